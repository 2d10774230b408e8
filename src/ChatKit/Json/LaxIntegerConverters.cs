using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Json;

/// <summary>
/// Reads a request's integer the way the reference's models (pydantic, lax mode) do: a JSON integer, a number
/// with no fractional part (<c>2.0</c>, <c>1e2</c>), a string holding an integer (<c>"2"</c>, <c>" 2 "</c>,
/// <c>"+2"</c>, <c>"1_000"</c>, <c>"2.0"</c>), or <c>true</c> / <c>false</c> (1 / 0). Anything else (<c>2.5</c>,
/// <c>"ten"</c>, an object) is refused, and the request parser names the value and what it should be. Writes a
/// plain JSON integer. Applied to <c>limit</c> and an attachment's <c>size</c>: a client that sends <c>"20"</c>
/// gets the page the reference would give it.
/// </summary>
internal static class LaxInteger
{
    /// <summary>The integer at the reader's token, or throws a <see cref="JsonException"/> without a message (the
    /// serializer then reports the path and the type, which the request parser turns into the protocol's words).</summary>
    public static long Read(ref Utf8JsonReader reader, long min, long max)
    {
        var value = reader.TokenType switch
        {
            JsonTokenType.Number => FromNumber(ref reader),
            JsonTokenType.String => FromString(ref reader),
            JsonTokenType.True => 1,
            JsonTokenType.False => 0,
            _ => null,
        };
        return value is { } v && v >= min && v <= max ? v : throw new JsonException();
    }

    private static long? FromNumber(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt64(out var whole)) return whole;
        return reader.TryGetDouble(out var number) && Whole(number) is { } w ? w : null;
    }

    private static long? FromString(ref Utf8JsonReader reader)
    {
        // A request's strings are short here; anything long is no integer a request needs.
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > 64) return null;
        var text = reader.GetString()!.Trim();
        var point = text.IndexOf('.');
        if (point >= 0)
        {
            // "2.0", "2.00": an integer written with a zero fraction, as pydantic takes it ("2.5" is not).
            if (point == 0 || text.AsSpan(point + 1).ContainsAnyExcept('0')) return null;
            text = text[..point];
        }
        if (text.Contains('_'))
        {
            // Python's digit grouping: one underscore between two digits ("1_000"), nowhere else.
            for (var i = 0; i < text.Length; i++)
                if (text[i] == '_' && (i == 0 || i == text.Length - 1 || !char.IsAsciiDigit(text[i - 1]) || !char.IsAsciiDigit(text[i + 1])))
                    return null;
            text = text.Replace("_", "", StringComparison.Ordinal);
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static long? Whole(double number) =>
        double.IsFinite(number) && Math.Floor(number) == number && number >= long.MinValue && number < 9.2233720368547758E18 ? (long)number : null;
}

/// <summary>An optional integer read as <see cref="LaxInteger"/> describes (null stays null).</summary>
internal sealed class LaxNullableInt32Converter : JsonConverter<int?>
{
    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : (int)LaxInteger.Read(ref reader, int.MinValue, int.MaxValue);

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        if (value is { } v) writer.WriteNumberValue(v);
        else writer.WriteNullValue();
    }

    public override bool HandleNull => true;
}

/// <summary>An integer read as <see cref="LaxInteger"/> describes.</summary>
internal sealed class LaxInt64Converter : JsonConverter<long>
{
    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        LaxInteger.Read(ref reader, long.MinValue, long.MaxValue);

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
