using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Widgets;

// Placeholder converters: replaced by the full widget implementation.
internal sealed class WidgetRootConverter : JsonConverter<WidgetRoot>
{
    public override WidgetRoot? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException();
    public override void Write(Utf8JsonWriter writer, WidgetRoot value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options.GetTypeInfo(value.GetType()));
}

internal sealed class WidgetComponentConverter : JsonConverter<WidgetComponent>
{
    public override WidgetComponent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException();
    public override void Write(Utf8JsonWriter writer, WidgetComponent value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options.GetTypeInfo(value.GetType()));
}
