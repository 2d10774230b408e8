using System.Text.Json;
using ChatKit.Json;

namespace ChatKit;

/// <summary>Reads a request body into a typed <see cref="ChatKitRequest"/>, or explains what is wrong with it.</summary>
public static class ChatKitRequestParser
{
    /// <summary>The request types of the protocol, in wire names.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } =
    [
        "threads.create", "threads.add_user_message", "threads.add_client_tool_output",
        "threads.add_structured_input", "threads.retry_after_item", "threads.custom_action",
        "threads.get_by_id", "threads.list", "threads.update", "threads.delete", "items.list",
        "items.feedback", "attachments.create", "attachments.delete", "input.transcribe",
        "threads.sync_custom_action",
    ];

    /// <summary>The longest string accepted anywhere in a request, in characters (a message, a title, an id, metadata…).</summary>
    public static int MaxStringLength { get; set; } = 256 * 1024;

    /// <summary>Parses one request; throws <see cref="ChatKitValidationException"/> with a message naming the problem.</summary>
    public static ChatKitRequest Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
            throw new ChatKitValidationException("The request body is empty; expected a JSON ChatKit request.");
        if (LongString(utf8Json) is { } path)
            throw new ChatKitValidationException($"A string in the request is longer than {MaxStringLength} characters (at {path}).");
        ChatKitRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(utf8Json, ChatKitJsonContext.Default.ChatKitRequest);
        }
        catch (JsonException ex)
        {
            throw new ChatKitValidationException(Describe(ex, utf8Json), ex);
        }
        catch (NotSupportedException ex)
        {
            // Raised by System.Text.Json when an abstract type has no usable discriminator.
            throw new ChatKitValidationException(Describe(ex, utf8Json), ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new ChatKitValidationException("Invalid ChatKit request: " + ex.Message, ex);
        }
        return request ?? throw new ChatKitValidationException("The request body is null, not a JSON object; expected a ChatKit request like {\"type\": \"threads.list\", \"params\": {}}.");
    }

    /// <summary>Parses one request from a string.</summary>
    public static ChatKitRequest Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    private static string Describe(Exception ex, ReadOnlySpan<byte> body)
    {
        if (JsonProblem(body) is { } syntax)
            return "The request body is not valid JSON: " + syntax;
        var type = PeekType(body, out var isObject);
        if (!isObject)
            return "The request body is not a JSON object; expected a ChatKit request like {\"type\": \"threads.list\", \"params\": {}}.";
        if (type is null)
            return "The request has no string 'type'; expected one of: " + string.Join(", ", KnownTypes) + ".";
        if (!KnownTypes.Contains(type))
            return $"Unknown request type '{Truncate(type, 80)}'; expected one of: " + string.Join(", ", KnownTypes) + ".";
        return $"Invalid '{type}' request: " + Trim(ex.Message);
    }

    /// <summary>Where the first over-long string is, or null (and null for bodies that are not JSON: the parser says why).</summary>
    private static string? LongString(ReadOnlySpan<byte> body)
    {
        // A UTF-8 string cannot hold more characters than bytes: short bodies need no scan.
        if (body.Length <= MaxStringLength) return null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatKitJson.Options.MaxDepth });
            string? property = null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName) property = reader.GetString();
                else if (reader.TokenType == JsonTokenType.String && (reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) > MaxStringLength
                         && reader.GetString()!.Length > MaxStringLength)
                    return property is null ? "a value" : $"'{Truncate(property, 60)}'";
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    /// <summary>Why the body is not well-formed JSON (within the depth limit), or null when it is.</summary>
    private static string? JsonProblem(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatKitJson.Options.MaxDepth });
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException ex)
        {
            return Trim(ex.Message);
        }
    }

    private static string? PeekType(ReadOnlySpan<byte> body, out bool isObject)
    {
        isObject = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatKitJson.Options.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            isObject = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // already reported by JsonProblem
        }
        return null;
    }

    // System.Text.Json messages mention .NET type names and "Path:"; keep the JSON path, drop the rest of the noise.
    private static string Trim(string message) => Truncate(message.Replace("ChatKit.", ""), 400);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
