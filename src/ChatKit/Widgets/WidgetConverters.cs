using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit.Widgets;

/// <summary>
/// Reads a widget node by its <c>type</c> (wherever it stands in the object) into the typed class,
/// or into a dynamic node when the type is unknown; writes any node with <c>type</c> first.
/// </summary>
internal static class WidgetJson
{
    public static WidgetNode Read(ref Utf8JsonReader reader, JsonSerializerOptions options, bool root)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"A widget component must be an object, not {(reader.TokenType == JsonTokenType.Null ? "null" : reader.TokenType.ToString())}.");
        var node = JsonNode.Parse(ref reader)!.AsObject();
        if (node["type"] is not JsonValue typeValue || !typeValue.TryGetValue<string>(out var type))
            throw new JsonException("A widget component needs a string 'type'.");
        if (root && !KnownComponents.Roots.Contains(type))
            throw new JsonException($"A widget root must be a Card, a ListView or a Basic root, not '{type}'.");
        if (KnownComponents.ByWireType.TryGetValue(type, out var clr) && KnownComponents.Roots.Contains(type) == root)
            return (WidgetNode)(node.Deserialize(options.GetTypeInfo(clr)) ?? throw new JsonException($"Empty '{type}' component."));
        var properties = node.DeepClone().AsObject();
        properties.Remove("type");
        return new DynamicWidgetComponent(type, properties);
    }

    public static void Write(Utf8JsonWriter writer, WidgetNode value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case DynamicWidgetComponent dynamic:
                WriteDynamic(writer, dynamic.Type, dynamic.Properties, options);
                break;
            default:
                JsonSerializer.Serialize(writer, value, options.GetTypeInfo(value.GetType()));
                break;
        }
    }

    private static void WriteDynamic(Utf8JsonWriter writer, string type, JsonObject properties, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", type);
        foreach (var (name, node) in properties)
        {
            writer.WritePropertyName(name);
            if (node is null) writer.WriteNullValue();
            else node.WriteTo(writer, options);
        }
        writer.WriteEndObject();
    }
}

internal sealed class WidgetRootConverter : JsonConverter<WidgetRoot>
{
    public override WidgetRoot Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        (WidgetRoot)WidgetJson.Read(ref reader, options, root: true);

    public override void Write(Utf8JsonWriter writer, WidgetRoot value, JsonSerializerOptions options) => WidgetJson.Write(writer, value, options);
}

internal sealed class WidgetComponentConverter : JsonConverter<WidgetComponent>
{
    /// <summary>A null where a component stands (<c>"children": [null]</c>) reaches <see cref="Read"/>, which refuses it.</summary>
    public override bool HandleNull => true;

    public override WidgetComponent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        (WidgetComponent)WidgetJson.Read(ref reader, options, root: false);

    public override void Write(Utf8JsonWriter writer, WidgetComponent value, JsonSerializerOptions options) => WidgetJson.Write(writer, value, options);
}

/// <summary>
/// The children of a Basic root, which the protocol allows as one component or a list of them: one is
/// read as a list of one; a list is written.
/// </summary>
internal sealed class OneOrManyComponentsConverter : JsonConverter<List<WidgetComponent>>
{
    public override List<WidgetComponent> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
            return [(WidgetComponent)WidgetJson.Read(ref reader, options, root: false)];
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"Children must be a component or a list of components, not {reader.TokenType}.");
        var children = new List<WidgetComponent>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            children.Add((WidgetComponent)WidgetJson.Read(ref reader, options, root: false));
        return children;
    }

    public override void Write(Utf8JsonWriter writer, List<WidgetComponent> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var child in value) WidgetJson.Write(writer, child, options);
        writer.WriteEndArray();
    }
}
