using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ChatKit.Widgets;

// Props whose wire value can take several shapes. Each is a small value type with implicit
// conversions, so `Gap = 2`, `Width = "50%"`, `Background = "red-100"` and
// `Background = new ThemeColor("#111", "#eee")` all read naturally.

/// <summary>A size: a number (px or units) or a CSS string.</summary>
[JsonConverter(typeof(DimensionConverter))]
public readonly record struct Dimension
{
    /// <summary>The number, when it is one.</summary>
    public double? Number { get; }
    /// <summary>The CSS text, when it is one.</summary>
    public string? Css { get; }
    private Dimension(double? number, string? css) { Number = number; Css = css; }
    /// <summary>A number.</summary>
    public static implicit operator Dimension(double value) => new(value, null);
    /// <summary>A CSS value such as <c>"50%"</c>.</summary>
    public static implicit operator Dimension(string value) => new(null, value);
    /// <inheritdoc />
    public override string ToString() => Css ?? Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
}

/// <summary>A color: a token or CSS color, or a light/dark pair.</summary>
[JsonConverter(typeof(WidgetColorConverter))]
public readonly record struct WidgetColor
{
    /// <summary>The token or CSS color.</summary>
    public string? Value { get; }
    /// <summary>The light/dark pair.</summary>
    public ThemeColor? Theme { get; }
    private WidgetColor(string? value, ThemeColor? theme) { Value = value; Theme = theme; }
    /// <summary>A token (e.g. <c>secondary</c>, <c>red-500</c>) or CSS color.</summary>
    public static implicit operator WidgetColor(string value) => new(value, null);
    /// <summary>A color per theme.</summary>
    public static implicit operator WidgetColor(ThemeColor value) => new(null, value);
}

/// <summary>Spacing: one value for every side, or one per side.</summary>
[JsonConverter(typeof(SpacingValueConverter))]
public readonly record struct SpacingValue
{
    /// <summary>The same spacing on every side.</summary>
    public Dimension? All { get; }
    /// <summary>Spacing per side.</summary>
    public Spacing? Sides { get; }
    private SpacingValue(Dimension? all, Spacing? sides) { All = all; Sides = sides; }
    /// <summary>A number of spacing units.</summary>
    public static implicit operator SpacingValue(double value) => new(value, null);
    /// <summary>A CSS value.</summary>
    public static implicit operator SpacingValue(string value) => new(value, null);
    /// <summary>Spacing per side.</summary>
    public static implicit operator SpacingValue(Spacing value) => new(null, value);
}

/// <summary>A border: a width in px, one border, or one per side.</summary>
[JsonConverter(typeof(BorderValueConverter))]
public readonly record struct BorderValue
{
    /// <summary>A width in px.</summary>
    public int? Width { get; }
    /// <summary>One border for every side.</summary>
    public Border? Border { get; }
    /// <summary>A border per side.</summary>
    public Borders? Sides { get; }
    private BorderValue(int? width, Border? border, Borders? sides) { Width = width; Border = border; Sides = sides; }
    /// <summary>A width in px.</summary>
    public static implicit operator BorderValue(int value) => new(value, null, null);
    /// <summary>One border.</summary>
    public static implicit operator BorderValue(Border value) => new(null, value, null);
    /// <summary>A border per side.</summary>
    public static implicit operator BorderValue(Borders value) => new(null, null, value);
}

/// <summary>One side of <see cref="Borders"/>: a width in px or a border.</summary>
[JsonConverter(typeof(BorderEdgeConverter))]
public readonly record struct BorderEdge
{
    /// <summary>A width in px.</summary>
    public int? Width { get; }
    /// <summary>A border.</summary>
    public Border? Border { get; }
    private BorderEdge(int? width, Border? border) { Width = width; Border = border; }
    /// <summary>A width in px.</summary>
    public static implicit operator BorderEdge(int value) => new(value, null);
    /// <summary>A border.</summary>
    public static implicit operator BorderEdge(Border value) => new(null, value);
}

/// <summary>How many list items show: a number, or <see cref="Auto"/>.</summary>
[JsonConverter(typeof(ListLimitConverter))]
public readonly record struct ListLimit
{
    /// <summary>The number, or null for <c>"auto"</c>.</summary>
    public int? Count { get; }
    private ListLimit(int? count) { Count = count; }
    /// <summary>Let the client decide (<c>"auto"</c>).</summary>
    public static ListLimit Auto => new(null);
    /// <summary>At most this many items.</summary>
    public static implicit operator ListLimit(int value) => new(value);
}

/// <summary>Whether text is editable: <c>false</c>, or the field's settings.</summary>
[JsonConverter(typeof(EditableValueConverter))]
public readonly record struct EditableValue
{
    /// <summary>The field settings; null means not editable (<c>false</c> on the wire).</summary>
    public EditableProps? Props { get; }
    private EditableValue(EditableProps? props) { Props = props; }
    /// <summary>Not editable.</summary>
    public static EditableValue No => new(null);
    /// <summary>Editable with these settings.</summary>
    public static implicit operator EditableValue(EditableProps value) => new(value);
}

/// <summary>A chart's x axis: a data key, or its full configuration.</summary>
[JsonConverter(typeof(XAxisConverter))]
public readonly record struct XAxis
{
    /// <summary>The data key, when given alone.</summary>
    public string? DataKey { get; }
    /// <summary>The full configuration.</summary>
    public XAxisConfig? Config { get; }
    private XAxis(string? key, XAxisConfig? config) { DataKey = key; Config = config; }
    /// <summary>The key of the data rows to use.</summary>
    public static implicit operator XAxis(string dataKey) => new(dataKey, null);
    /// <summary>A full configuration.</summary>
    public static implicit operator XAxis(XAxisConfig config) => new(null, config);
}

internal static class UnionJson
{
    public static T Read<T>(ref Utf8JsonReader reader, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize(ref reader, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T))) ?? throw new JsonException($"Expected a {typeof(T).Name}.");

    public static void Write<T>(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));

    public static JsonException Unexpected(string what, JsonTokenType token) => new($"Expected {what}, got {token}.");
}

internal sealed class DimensionConverter : JsonConverter<Dimension>
{
    public override Dimension Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String => reader.GetString()!,
        _ => throw UnionJson.Unexpected("a number or a string", reader.TokenType),
    };

    public override void Write(Utf8JsonWriter writer, Dimension value, JsonSerializerOptions options)
    {
        if (value.Css is not null) writer.WriteStringValue(value.Css);
        else writer.WriteNumberValue(value.Number ?? 0);
    }
}

internal sealed class WidgetColorConverter : JsonConverter<WidgetColor>
{
    public override WidgetColor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.StartObject => UnionJson.Read<ThemeColor>(ref reader, options),
        _ => throw UnionJson.Unexpected("a color string or {light, dark}", reader.TokenType),
    };

    public override void Write(Utf8JsonWriter writer, WidgetColor value, JsonSerializerOptions options)
    {
        if (value.Theme is { } theme) UnionJson.Write(writer, theme, options);
        else writer.WriteStringValue(value.Value);
    }
}

internal sealed class SpacingValueConverter : JsonConverter<SpacingValue>
{
    public override SpacingValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.StartObject => UnionJson.Read<Spacing>(ref reader, options),
        _ => throw UnionJson.Unexpected("a number, a string or a spacing object", reader.TokenType),
    };

    public override void Write(Utf8JsonWriter writer, SpacingValue value, JsonSerializerOptions options)
    {
        if (value.Sides is { } sides) UnionJson.Write(writer, sides, options);
        else UnionJson.Write(writer, value.All ?? 0, options);
    }
}

internal sealed class BorderValueConverter : JsonConverter<BorderValue>
{
    public override BorderValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetInt32();
        if (reader.TokenType != JsonTokenType.StartObject) throw UnionJson.Unexpected("a width or a border object", reader.TokenType);
        // A single border has a "size"; per-side borders do not.
        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.TryGetProperty("size", out _)
            ? doc.RootElement.Deserialize((JsonTypeInfo<Border>)options.GetTypeInfo(typeof(Border)))!
            : doc.RootElement.Deserialize((JsonTypeInfo<Borders>)options.GetTypeInfo(typeof(Borders)))!;
    }

    public override void Write(Utf8JsonWriter writer, BorderValue value, JsonSerializerOptions options)
    {
        if (value.Border is { } border) UnionJson.Write(writer, border, options);
        else if (value.Sides is { } sides) UnionJson.Write(writer, sides, options);
        else writer.WriteNumberValue(value.Width ?? 0);
    }
}

internal sealed class BorderEdgeConverter : JsonConverter<BorderEdge>
{
    public override BorderEdge Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt32(),
        JsonTokenType.StartObject => UnionJson.Read<Border>(ref reader, options),
        _ => throw UnionJson.Unexpected("a width or a border object", reader.TokenType),
    };

    public override void Write(Utf8JsonWriter writer, BorderEdge value, JsonSerializerOptions options)
    {
        if (value.Border is { } border) UnionJson.Write(writer, border, options);
        else writer.WriteNumberValue(value.Width ?? 0);
    }
}

internal sealed class ListLimitConverter : JsonConverter<ListLimit>
{
    public override ListLimit Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetInt32();
        if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("auto"u8)) return ListLimit.Auto;
        throw UnionJson.Unexpected("a number or \"auto\"", reader.TokenType);
    }

    public override void Write(Utf8JsonWriter writer, ListLimit value, JsonSerializerOptions options)
    {
        if (value.Count is { } count) writer.WriteNumberValue(count);
        else writer.WriteStringValue("auto");
    }
}

internal sealed class EditableValueConverter : JsonConverter<EditableValue>
{
    public override EditableValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.False => EditableValue.No,
        JsonTokenType.StartObject => UnionJson.Read<EditableProps>(ref reader, options),
        _ => throw UnionJson.Unexpected("false or an editable settings object", reader.TokenType),
    };

    public override void Write(Utf8JsonWriter writer, EditableValue value, JsonSerializerOptions options)
    {
        if (value.Props is { } props) UnionJson.Write(writer, props, options);
        else writer.WriteBooleanValue(false);
    }
}

internal sealed class XAxisConverter : JsonConverter<XAxis>
{
    public override XAxis Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.StartObject => UnionJson.Read<XAxisConfig>(ref reader, options),
        _ => throw UnionJson.Unexpected("a data key or an axis object", reader.TokenType),
    };

    public override void Write(Utf8JsonWriter writer, XAxis value, JsonSerializerOptions options)
    {
        if (value.Config is { } config) UnionJson.Write(writer, config, options);
        else writer.WriteStringValue(value.DataKey);
    }
}
