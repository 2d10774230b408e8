using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using ChatKit.Json;

namespace ChatKit;

/// <summary>Reads a request body into a typed <see cref="ChatKitRequest"/>, or explains what is wrong with it.</summary>
public static class ChatKitRequestParser
{
    /// <summary>
    /// The protocol's contracts with one more rule for requests: a property named twice in one object is refused, not
    /// read as its last value, so that a proxy or gateway that reads the first one cannot see another request than this
    /// server runs. (Stored JSON, written by the server, is read without the check.)
    /// </summary>
    private static readonly ChatKitJsonContext Strict = new(new JsonSerializerOptions(ChatKitJson.Options) { AllowDuplicateProperties = false, TypeInfoResolver = null });

    /// <summary>The request types of the protocol, in wire names (<see cref="RequestTypes.All"/>).</summary>
    public static IReadOnlyList<string> KnownTypes => RequestTypes.All;

    /// <summary>
    /// Parses one request within <paramref name="limits"/> (<see cref="ChatKitRequestLimits.Default"/> when null);
    /// throws <see cref="ChatKitValidationException"/> with a message naming the problem.
    /// </summary>
    public static ChatKitRequest Parse(ReadOnlySpan<byte> utf8Json, ChatKitRequestLimits? limits = null)
    {
        if (utf8Json.IsEmpty)
            throw new ChatKitValidationException("The request body is empty; expected a JSON ChatKit request.");
        if (EncodingProblem(utf8Json) is { } encoding)
            throw new ChatKitValidationException(encoding);
        if (StringProblem(utf8Json, limits ?? ChatKitRequestLimits.Default) is { } problem)
            throw new ChatKitValidationException(problem);
        ChatKitRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(utf8Json, Strict.ChatKitRequest);
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
        catch (ArgumentException ex) when (DuplicateKey(ex) is { } key)
        {
            // A free-form object (metadata, a tag's data) read as a JsonObject, which refuses a key twice this way.
            throw new ChatKitValidationException($"The request names '{Truncate(key, 80)}' twice in one object; send each property once.", ex);
        }
        if (request is null)
            throw new ChatKitValidationException("The request body is null, not a JSON object; expected a ChatKit request like {\"type\": \"threads.list\", \"params\": {}}.");
        if (NullElement(request) is { } nullElement)
            throw new ChatKitValidationException($"Invalid '{request.Kind}' request: {nullElement}");
        return request;
    }

    /// <summary>
    /// A null inside a list the request's types declare without nulls (ids, content parts, answer values), said as a
    /// wrong kind would be; or null. System.Text.Json enforces nullable annotations on properties, not on the elements
    /// of a list: <c>"item_ids": [null]</c> reached the store (a 500) and <c>"content": [null]</c> was saved in a message.
    /// </summary>
    private static string? NullElement(ChatKitRequest request) => request switch
    {
        ThreadsCreateRequest r => NullElement(r.Params.Input, "params.input"),
        ThreadsAddUserMessageRequest r => NullElement(r.Params.Input, "params.input"),
        ItemsFeedbackRequest r => NullElement(r.Params.ItemIds, "params.item_ids", typeof(string)),
        ThreadsAddStructuredInputRequest r => r.Params.Input.Answers
            .Select(a => a.Value is null ? null : NullElement(a.Value.Values, $"params.input.answers.{a.Key}.values", typeof(string)))
            .FirstOrDefault(problem => problem is not null),
        _ => null,
    };

    private static string? NullElement(UserMessageInput input, string path) =>
        NullElement(input.Content, path + ".content", typeof(UserMessageContent)) ?? NullElement(input.Attachments, path + ".attachments", typeof(string));

    private static string? NullElement<T>(List<T> list, string path, Type element) where T : class
    {
        var index = list.IndexOf(null!);
        return index < 0 ? null : $"{Display($"$.{path}[{index}]")} must be {Expected(ChatKitJson.Options.GetTypeInfo(element), ChatKitJson.Options)}, not null.";
    }

    /// <summary>Parses one request from a string.</summary>
    public static ChatKitRequest Parse(string json, ChatKitRequestLimits? limits = null) => Parse(System.Text.Encoding.UTF8.GetBytes(json), limits);

    /// <summary>
    /// A body that is not UTF-8 JSON at its first bytes, said plainly (the reader would say "'0xEF' is an invalid start of a
    /// value"): a UTF-8 byte order mark, or UTF-16 (its mark, or a zero byte among the first two, which JSON text never has).
    /// </summary>
    private static string? EncodingProblem(ReadOnlySpan<byte> body)
    {
        if (body is [0xEF, 0xBB, 0xBF, ..])
            return "The request body starts with a UTF-8 byte order mark; send the JSON without one.";
        if (body is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..] or [0, _, ..] or [_, 0, ..])
            return "The request body looks like UTF-16 text; send the JSON as UTF-8.";
        return null;
    }

    /// <summary>The key of JsonObject's "An item with the same key has already been added. Key: k"; null for another ArgumentException.</summary>
    private static string? DuplicateKey(ArgumentException ex)
    {
        const string Marker = "An item with the same key has already been added. Key: ";
        var at = ex.Message.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var key = ex.Message[(at + Marker.Length)..];
        var end = key.IndexOf(" (Parameter", StringComparison.Ordinal);
        return end >= 0 ? key[..end] : key;
    }

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
        var document = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = ChatKitJson.Options.MaxDepth });
        var json = ex as JsonException ?? new JsonException(ex.Message, PathIn(ex.Message), null, null);
        return $"Invalid '{type}' request: " + DescribeJsonError(json, ChatKitJson.Context.ChatKitRequest, document);
    }

    /// <summary>
    /// What is wrong with a JSON value that <paramref name="target"/> could not read, in the protocol's words:
    /// the JSON path, the kind of value expected there and, when <paramref name="document"/> is given, what
    /// was found (e.g. <c>'params.limit' must be an integer or null, not the string "ten"</c>). Never a .NET
    /// type name: System.Text.Json's own messages name CLR types, which mean nothing to a client.
    /// </summary>
    /// <param name="exception">What System.Text.Json (or a converter) threw.</param>
    /// <param name="target">The contract the value was read with (its options resolve nested types).</param>
    /// <param name="document">The value itself, when the caller still has it.</param>
    public static string DescribeJsonError(JsonException exception, JsonTypeInfo target, JsonNode? document = null)
    {
        try
        {
            return Explain(exception, target, document);
        }
        catch (ArgumentException)
        {
            // The document has a property twice (JsonObject refuses that): explain from the contract alone.
            return Explain(exception, target, null);
        }
    }

    private static string Explain(JsonException exception, JsonTypeInfo target, JsonNode? document)
    {
        var options = target.Options;
        var path = exception.Path ?? "$";
        var at = Display(path);
        if (exception.GetType() != typeof(JsonException) || exception.InnerException is JsonException inner && inner.GetType() != typeof(JsonException))
            return "The body is not valid JSON: " + Trim((exception.InnerException ?? exception).Message); // the reader's own exception: a syntax error
        if (IsDuplicate(exception))
            return $"{at} appears twice in one object; send each property once.";
        if (IsInvalidText(exception))
            return "The body holds text that is not valid Unicode (an unpaired surrogate escape such as \\ud800)" + (path == "$" ? "." : $" at {at}.");
        if (!IsFrameworkMessage(exception.Message))
            return (path == "$" ? "" : at + ": ") + Truncate(exception.Message, 300); // a converter's message, in the protocol's words already
        var (info, node, found) = Walk(target, document, Segments(path), options);
        // A root read by a custom converter (widgets) reports paths relative to the part it was reading: walk nothing.
        if (target.Kind == JsonTypeInfoKind.None && target.PolymorphismOptions is null) info = null;
        if (info is not null)
        {
            if (document is null)
                return $"{at} must be {Expected(info, options)}.";
            if (!found)
                return $"{at} is required: {Expected(info, options)}.";
            if (info.PolymorphismOptions is { } polymorphism && node is JsonObject choice
                && Discriminators(info) is { Count: > 0 } kinds
                && (choice[polymorphism.TypeDiscriminatorPropertyName] is not JsonValue tag || !kinds.Contains(tag.ToJsonString())))
            {
                var where = Display(path, polymorphism.TypeDiscriminatorPropertyName);
                return choice.TryGetPropertyValue(polymorphism.TypeDiscriminatorPropertyName, out var given)
                    ? $"{where} must be one of {string.Join(", ", kinds)}, not {Found(given)}."
                    : $"{where} is required: one of {string.Join(", ", kinds)}.";
            }
            if (node is null || !Fits(info, node, options))
                return $"{at} must be {Expected(info, options)}, not {Found(node)}.";
        }
        if (FirstMissing(target, document, "$", options, 0) is { } missing)
            return $"{Display(missing.Path, missing.Property)} is required: {Expected(missing.Info, options)}.";
        const string Including = "missing required properties including: ";
        if (exception.Message.IndexOf(Including, StringComparison.Ordinal) is > 0 and var names)
            return $"{(path == "$" ? "The body" : at)} is missing {exception.Message[(names + Including.Length)..].TrimEnd('.')}.";
        const string Converted = "The JSON value could not be converted to ";
        if (exception.Message.StartsWith(Converted, StringComparison.Ordinal) && exception.Message.IndexOf(". Path: ", StringComparison.Ordinal) is > 0 and var end)
            return ExpectedByName(exception.Message[Converted.Length..end]) is { } kind ? $"{at} must be {kind}." : $"{at} is not valid in a {ShortName(exception.Message[Converted.Length..end])}.";
        return $"{at} is not valid here.";
    }

    /// <summary>The kind of value a .NET type named in a framework message takes, when it is a plain one; null for classes.</summary>
    private static string? ExpectedByName(string typeName)
    {
        const string Nullable = "System.Nullable`1[";
        if (typeName.StartsWith(Nullable, StringComparison.Ordinal) && typeName.EndsWith(']'))
            return ExpectedByName(typeName[Nullable.Length..^1]) is { } inner ? inner + " or null" : null;
        if (typeName.EndsWith("[]", StringComparison.Ordinal) || typeName.Contains("List`1[", StringComparison.Ordinal)
            || typeName.Contains("IEnumerable`1[", StringComparison.Ordinal) || typeName.EndsWith("JsonArray", StringComparison.Ordinal))
            return "an array";
        return typeName switch
        {
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            "System.Int16" or "System.Int32" or "System.Int64" or "System.Byte" or "System.UInt32" or "System.UInt64" => "an integer",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.DateTime" or "System.DateTimeOffset" => "a date-time string (ISO 8601)",
            _ when typeName.EndsWith("JsonObject", StringComparison.Ordinal) || typeName.Contains("Dictionary`2[", StringComparison.Ordinal) => "an object",
            _ => null,
        };
    }

    /// <summary><c>ChatKit.Widgets.Text</c> → <c>Text</c>: a protocol type's own name, without the .NET namespace.</summary>
    private static string ShortName(string typeName)
    {
        var generic = typeName.IndexOf('`');
        var name = generic < 0 ? typeName : typeName[..generic];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    /// <summary>The JSON path System.Text.Json appends to a message (" Path: $.a.b | LineNumber: …"), or null.</summary>
    private static string? PathIn(string message)
    {
        var start = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (start < 0) return null;
        var end = message.IndexOf(" | ", start, StringComparison.Ordinal);
        return end < 0 ? null : message[(start + 7)..end];
    }

    private abstract record Segment;

    private sealed record PropertySegment(string Name) : Segment;

    private sealed record IndexSegment(int Index) : Segment;

    /// <summary>System.Text.Json's paths: <c>$.params.input.content[0]</c>, <c>$['odd key']</c>.</summary>
    private static List<Segment> Segments(string path)
    {
        var segments = new List<Segment>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                segments.Add(new PropertySegment(path[(i + 1)..end]));
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) break;
                segments.Add(new PropertySegment(path[(i + 2)..end]));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index)) break;
                segments.Add(new IndexSegment(index));
                i = end + 1;
            }
            else break;
        }
        return segments;
    }

    /// <summary>The contract and the JSON at the end of <paramref name="segments"/>; <c>found</c> is false when the JSON has nothing there.</summary>
    private static (JsonTypeInfo? Info, JsonNode? Node, bool Found) Walk(JsonTypeInfo root, JsonNode? document, List<Segment> segments, JsonSerializerOptions options)
    {
        JsonTypeInfo? info = root;
        var node = document;
        var found = true;
        foreach (var segment in segments)
        {
            info = info is null ? null : Concrete(info, node, options);
            switch (segment)
            {
                case PropertySegment { Name: var name }:
                    info = info?.Kind switch
                    {
                        JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(p => p.Name == name) is { } property ? Info(property.PropertyType, options) : null,
                        JsonTypeInfoKind.Dictionary => Info(info.ElementType!, options),
                        _ => null,
                    };
                    found = node is JsonObject o && o.ContainsKey(name);
                    node = node is JsonObject obj ? obj[name] : null;
                    break;
                case IndexSegment { Index: var index }:
                    info = info?.Kind == JsonTypeInfoKind.Enumerable ? Info(info.ElementType!, options) : null;
                    found = node is JsonArray a && index < a.Count;
                    node = found ? ((JsonArray)node!)[index] : null;
                    break;
            }
        }
        return (info, node, found);
    }

    /// <summary>A polymorphic contract narrowed to the derived type its JSON names, when it names one.</summary>
    private static JsonTypeInfo Concrete(JsonTypeInfo info, JsonNode? node, JsonSerializerOptions options)
    {
        if (info.PolymorphismOptions is not { } polymorphism || node is not JsonObject obj
            || obj[polymorphism.TypeDiscriminatorPropertyName] is not JsonValue tag)
            return info;
        var derived = polymorphism.DerivedTypes.FirstOrDefault(d => d.TypeDiscriminator is string name && tag.TryGetValue<string>(out var given) && name == given);
        return derived.DerivedType is { } type && Info(type, options) is { } concrete ? concrete : info;
    }

    /// <summary>The first required property missing from the JSON, searched along the contract.</summary>
    private static (string Path, string Property, JsonTypeInfo Info)? FirstMissing(JsonTypeInfo info, JsonNode? node, string path, JsonSerializerOptions options, int depth)
    {
        if (node is null || depth > 32) return null;
        info = Concrete(info, node, options);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var property in info.Properties)
                {
                    if (!obj.TryGetPropertyValue(property.Name, out var value))
                    {
                        if (IsRequired(property) && Info(property.PropertyType, options) is { } expected)
                            return (path, property.Name, expected);
                        continue;
                    }
                    if (Info(property.PropertyType, options) is { } inner && FirstMissing(inner, value, $"{path}.{property.Name}", options, depth + 1) is { } found)
                        return found;
                }
                return null;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && Info(info.ElementType!, options) is { } element:
                for (var i = 0; i < array.Count; i++)
                {
                    if (FirstMissing(element, array[i], $"{path}[{i}]", options, depth + 1) is { } found) return found;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool IsRequired(JsonPropertyInfo property) => property.IsRequired || property.AssociatedParameter is { IsMemberInitializer: false, HasDefaultValue: false };

    private static JsonTypeInfo? Info(Type type, JsonSerializerOptions options) =>
        options.TryGetTypeInfo(type, out var info) ? info : null;

    /// <summary>The kind of value a contract takes, in JSON words.</summary>
    private static string Expected(JsonTypeInfo info, JsonSerializerOptions options)
    {
        var type = info.Type;
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return (Info(underlying, options) is { } inner ? Expected(inner, options) : "a value") + " or null";
        if (Discriminators(info) is { Count: > 0 } kinds)
            return $"an object whose '{info.PolymorphismOptions!.TypeDiscriminatorPropertyName}' is one of {string.Join(", ", kinds)}";
        if (type.IsEnum)
            return "one of " + string.Join(", ", EnumNames(info));
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong))
            return "an integer";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "a date-time string (ISO 8601)";
        if (type == typeof(JsonObject)) return "an object";
        if (type == typeof(JsonArray)) return "an array";
        if (type == typeof(JsonNode) || type == typeof(JsonElement) || type == typeof(JsonValue)) return "a JSON value";
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            _ => "a valid value",
        };
    }

    /// <summary>Whether the JSON is of the kind the contract takes (a shallow check).</summary>
    private static bool Fits(JsonTypeInfo info, JsonNode node, JsonSerializerOptions options)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        var kind = node.GetValueKind();
        if (type.IsEnum) return kind == JsonValueKind.String && EnumNames(info).Contains(node.ToJsonString());
        if (type == typeof(string)) return kind == JsonValueKind.String;
        if (type == typeof(bool)) return kind is JsonValueKind.True or JsonValueKind.False;
        if (type == typeof(int)) return kind == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out _);
        if (type == typeof(long)) return kind == JsonValueKind.Number && node.AsValue().TryGetValue<long>(out _);
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return kind == JsonValueKind.Number;
        if (type == typeof(JsonObject)) return kind == JsonValueKind.Object;
        if (type == typeof(JsonArray)) return kind == JsonValueKind.Array;
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => kind == JsonValueKind.Array,
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => kind == JsonValueKind.Object,
            _ => true,
        };
    }

    private static List<string> Discriminators(JsonTypeInfo info) =>
        info.PolymorphismOptions?.DerivedTypes.Select(d => d.TypeDiscriminator).OfType<string>().Select(d => $"\"{d}\"").ToList() ?? [];

    /// <summary>An enum's wire names, as its contract writes them (quoted).</summary>
    private static List<string> EnumNames(JsonTypeInfo info)
    {
        var names = new List<string>();
        foreach (var value in Enum.GetValuesAsUnderlyingType(info.Type))
        {
            try
            {
                names.Add(JsonSerializer.Serialize(Enum.ToObject(info.Type, value), info));
            }
            catch (JsonException)
            {
                // a value the contract cannot write is not one a client can send
            }
        }
        return names;
    }

    /// <summary>What the JSON holds, in JSON words.</summary>
    private static string Found(JsonNode? node) => node?.GetValueKind() switch
    {
        null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "the string " + Truncate(node.ToJsonString(), 80),
        JsonValueKind.Number => "the number " + Truncate(node.ToJsonString(), 40),
        var kind => kind.ToString()!.ToLowerInvariant(),
    };

    /// <summary>A JSON path for people: <c>'params.limit'</c>; the top level is "the body".</summary>
    private static string Display(string path, string? property = null)
    {
        var shown = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        if (property is not null) shown = shown.Length == 0 ? property : $"{shown}.{property}";
        return shown.Length == 0 ? "The body" : $"'{Truncate(shown, 120)}'";
    }

    /// <summary>System.Text.Json's own messages (which name .NET types) rather than a converter's.</summary>
    /// <summary>
    /// A string or property name holding an unpaired surrogate escape: System.Text.Json reads it, then fails to turn it
    /// into text (an <see cref="InvalidOperationException"/> about UTF-16 inside), which read as "must be a string".
    /// </summary>
    private static bool IsInvalidText(JsonException exception) =>
        exception.InnerException is InvalidOperationException { Message: var message } && message.Contains("UTF-16", StringComparison.Ordinal);

    /// <summary>System.Text.Json's refusal of a property named twice (a property, or the <c>type</c> discriminator).</summary>
    private static bool IsDuplicate(JsonException exception) =>
        (exception.InnerException?.Message ?? exception.Message) is var message
        && (message.StartsWith("Duplicate property '", StringComparison.Ordinal) || message.Contains("contains a duplicate '", StringComparison.Ordinal));

    private static bool IsFrameworkMessage(string message) =>
        message.Contains(" | LineNumber: ", StringComparison.Ordinal)
        || message.StartsWith("JSON deserialization for type", StringComparison.Ordinal)
        || message.Contains("System.", StringComparison.Ordinal)
        || message.Contains("ChatKit", StringComparison.Ordinal);

    /// <summary>
    /// The first string or property name that is too long, not valid UTF-8, or holds an unpaired surrogate
    /// escape (<c>\ud800</c>): such text would be stored altered, so it is refused. Null when all are fine,
    /// and null for bodies that are not JSON (the parser says why).
    /// </summary>
    private static string? StringProblem(ReadOnlySpan<byte> body, ChatKitRequestLimits limits)
    {
        // Where each open object or array was entered: the raw span of the property name that holds it
        // (length -1: an array element, or the top level). Names are decoded only to report a problem.
        var maxDepth = ChatKitJson.Options.MaxDepth is > 0 and var configured ? configured : 64;
        Span<int> parentStarts = stackalloc int[maxDepth + 1];
        Span<int> parentLengths = stackalloc int[maxDepth + 1];
        var depth = 0;
        (int Start, int Length) property = (0, -1);
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatKitJson.Options.MaxDepth });
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        (parentStarts[depth], parentLengths[depth]) = property;
                        depth++;
                        property = (0, -1);
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        depth--;
                        property = (0, -1);
                        continue;
                    case JsonTokenType.PropertyName or JsonTokenType.String:
                        break;
                    default:
                        continue;
                }
                var isName = reader.TokenType == JsonTokenType.PropertyName;
                var limit = isName ? limits.MaxPropertyNameLength : limits.MaxStringLength;
                var problem = TextProblem(ref reader, limit);
                if (problem is not null)
                {
                    var what = isName ? "A property name" : "A string";
                    var where = Where(body, parentStarts[..depth], parentLengths[..depth], isName ? (0, -1) : property);
                    return problem == TextIssue.Invalid
                        ? $"{what} in the request is not valid Unicode text (invalid UTF-8 or an unpaired surrogate) ({where})."
                        : $"{what} in the request is longer than {limit} characters ({where}).";
                }
                // A property name's raw text starts one byte after its opening quote.
                if (isName) property = ((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private enum TextIssue { Invalid, TooLong }

    /// <summary>Whether the current string token is invalid Unicode (bad UTF-8, unpaired surrogate) or longer than <paramref name="limit"/> characters.</summary>
    private static TextIssue? TextProblem(ref Utf8JsonReader reader, int limit)
    {
        var raw = reader.ValueSpan; // a span body: never a sequence
        if (!reader.ValueIsEscaped)
        {
            if (!Utf8.IsValid(raw)) return TextIssue.Invalid;
            // A UTF-8 text has at most as many characters as bytes: only a long one is counted.
            return raw.Length > limit && Encoding.UTF8.GetCharCount(raw) > limit ? TextIssue.TooLong : null;
        }
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return TextIssue.Invalid; // invalid UTF-8 inside an escaped string
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return TextIssue.Invalid;
        }
        return text.Length > limit ? TextIssue.TooLong : null;
    }

    private static string Where(ReadOnlySpan<byte> body, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, (int Start, int Length) property)
    {
        var names = new List<string>();
        for (var i = 1; i < starts.Length; i++) // the first is the top level
            names.Add(lengths[i] < 0 ? "[]" : Name(body, starts[i], lengths[i]));
        if (property.Length >= 0) names.Add(Name(body, property.Start, property.Length));
        var path = string.Join(".", names).Replace(".[]", "[]");
        return path.Length == 0 ? "at the top level" : $"in '{path}'";
    }

    private static string Name(ReadOnlySpan<byte> body, int start, int length) =>
        Truncate(Encoding.UTF8.GetString(body.Slice(start, Math.Min(length, 240))), 60);

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

    /// <summary>A reader's message with its position said plainly: "… (line 1, byte 14)." instead of "LineNumber: 0 | BytePositionInLine: 13."</summary>
    private static string Trim(string message)
    {
        var at = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        var bar = message.IndexOf(" | BytePositionInLine: ", StringComparison.Ordinal);
        if (at >= 0 && bar > at
            && long.TryParse(message.AsSpan(at + 13, bar - at - 13), out var line)
            && long.TryParse(message.AsSpan(bar + 23).TrimEnd('.'), out var position))
            message = $"{message[..at].TrimEnd().TrimEnd('.')} (line {line + 1}, byte {position + 1}).";
        return Truncate(message, 400);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : TextClip.Prefix(s, max) + "…";
}
