using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Json;

/// <summary>
/// Writes times with at most six fractional digits (microseconds), as the reference does, whatever
/// precision the value carries; reads any ISO 8601 time. Applied to every <see cref="DateTimeOffset"/>
/// of the protocol through <see cref="ChatKitJsonContext"/>.
/// </summary>
public sealed class MicrosecondTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        var ticks = value.Ticks;
        writer.WriteStringValue(new DateTimeOffset(ticks - ticks % 10, value.Offset));
    }
}
