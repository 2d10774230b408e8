using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit.Widgets;

/// <summary>A color per theme.</summary>
public sealed record ThemeColor
{
    /// <summary>Creates a light/dark pair.</summary>
    [SetsRequiredMembers]
    public ThemeColor(string light, string dark) { Light = light; Dark = dark; }

    /// <summary>For the serializer.</summary>
    public ThemeColor() { }

    /// <summary>The color in the dark theme.</summary>
    [JsonPropertyName("dark")] public required string Dark { get; init; }
    /// <summary>The color in the light theme.</summary>
    [JsonPropertyName("light")] public required string Light { get; init; }
}

/// <summary>Spacing per side (any subset).</summary>
public sealed record Spacing
{
    /// <summary>Top.</summary>
    [JsonPropertyName("top")] public Dimension? Top { get; init; }
    /// <summary>Right.</summary>
    [JsonPropertyName("right")] public Dimension? Right { get; init; }
    /// <summary>Bottom.</summary>
    [JsonPropertyName("bottom")] public Dimension? Bottom { get; init; }
    /// <summary>Left.</summary>
    [JsonPropertyName("left")] public Dimension? Left { get; init; }
    /// <summary>Left and right.</summary>
    [JsonPropertyName("x")] public Dimension? X { get; init; }
    /// <summary>Top and bottom.</summary>
    [JsonPropertyName("y")] public Dimension? Y { get; init; }
}

/// <summary>One border.</summary>
public sealed record Border
{
    /// <summary>Width in px.</summary>
    [JsonPropertyName("size")] public required int Size { get; init; }
    /// <summary>Color.</summary>
    [JsonPropertyName("color")] public WidgetColor? Color { get; init; }
    /// <summary>Line style.</summary>
    [JsonPropertyName("style")] public BorderStyle? Style { get; init; }
}

/// <summary>A border per side (any subset).</summary>
public sealed record Borders
{
    /// <summary>Top.</summary>
    [JsonPropertyName("top")] public BorderEdge? Top { get; init; }
    /// <summary>Right.</summary>
    [JsonPropertyName("right")] public BorderEdge? Right { get; init; }
    /// <summary>Bottom.</summary>
    [JsonPropertyName("bottom")] public BorderEdge? Bottom { get; init; }
    /// <summary>Left.</summary>
    [JsonPropertyName("left")] public BorderEdge? Left { get; init; }
    /// <summary>Left and right.</summary>
    [JsonPropertyName("x")] public BorderEdge? X { get; init; }
    /// <summary>Top and bottom.</summary>
    [JsonPropertyName("y")] public BorderEdge? Y { get; init; }
}

/// <summary>Settings of editable text.</summary>
public sealed record EditableProps
{
    /// <summary>Name of the form field.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>Focus it when it appears.</summary>
    [JsonPropertyName("autoFocus")] public bool? AutoFocus { get; init; }
    /// <summary>Select its text on focus.</summary>
    [JsonPropertyName("autoSelect")] public bool? AutoSelect { get; init; }
    /// <summary>Native autocomplete hint.</summary>
    [JsonPropertyName("autoComplete")] public string? AutoComplete { get; init; }
    /// <summary>Whether autofill extensions may fill it.</summary>
    [JsonPropertyName("allowAutofillExtensions")] public bool? AllowAutofillExtensions { get; init; }
    /// <summary>A regular expression the value must match.</summary>
    [JsonPropertyName("pattern")] public string? Pattern { get; init; }
    /// <summary>Text shown while empty.</summary>
    [JsonPropertyName("placeholder")] public string? Placeholder { get; init; }
    /// <summary>The field must be filled.</summary>
    [JsonPropertyName("required")] public bool? Required { get; init; }
}

/// <summary>A button of a card's footer (confirm or cancel).</summary>
public sealed record CardAction
{
    /// <summary>The label.</summary>
    [JsonPropertyName("label")] public required string Label { get; init; }
    /// <summary>The action sent.</summary>
    [JsonPropertyName("action")] public required ActionConfig Action { get; init; }
}

/// <summary>A status line in a widget's header: text with an icon, or with a favicon.</summary>
public sealed record WidgetStatus
{
    /// <summary>The text.</summary>
    [JsonPropertyName("text")] public required string Text { get; init; }
    /// <summary>An icon name (see <see cref="WidgetIcons"/>).</summary>
    [JsonPropertyName("icon")] public string? Icon { get; init; }
    /// <summary>Address of a favicon.</summary>
    [JsonPropertyName("favicon")] public string? Favicon { get; init; }
    /// <summary>Frame the favicon.</summary>
    [JsonPropertyName("frame")] public bool? Frame { get; init; }
}

/// <summary>An option of a <see cref="Select"/>.</summary>
public sealed record SelectOption
{
    /// <summary>The value submitted.</summary>
    [JsonPropertyName("value")] public required string Value { get; init; }
    /// <summary>The label shown.</summary>
    [JsonPropertyName("label")] public required string Label { get; init; }
    /// <summary>Whether it cannot be chosen.</summary>
    [JsonPropertyName("disabled")] public bool? Disabled { get; init; }
    /// <summary>A description under the label.</summary>
    [JsonPropertyName("description")] public string? Description { get; init; }
}

/// <summary>An option of a <see cref="RadioGroup"/>.</summary>
public sealed record RadioOption
{
    /// <summary>The label shown.</summary>
    [JsonPropertyName("label")] public required string Label { get; init; }
    /// <summary>The value submitted.</summary>
    [JsonPropertyName("value")] public required string Value { get; init; }
    /// <summary>Whether it cannot be chosen.</summary>
    [JsonPropertyName("disabled")] public bool? Disabled { get; init; }
}

/// <summary>Configuration of a chart's x axis.</summary>
public sealed record XAxisConfig
{
    /// <summary>The key of the data rows to use.</summary>
    [JsonPropertyName("dataKey")] public required string DataKey { get; init; }
    /// <summary>Hide the axis.</summary>
    [JsonPropertyName("hide")] public bool? Hide { get; init; }
    /// <summary>Labels per value.</summary>
    [JsonPropertyName("labels")] public Dictionary<string, string>? Labels { get; init; }
}

/// <summary>A data series of a <see cref="Chart"/>: bars, an area or a line.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(BarSeries), "bar")]
[JsonDerivedType(typeof(AreaSeries), "area")]
[JsonDerivedType(typeof(LineSeries), "line")]
public abstract record ChartSeries
{
    /// <summary>The legend label.</summary>
    [JsonPropertyName("label")] public string? Label { get; init; }
    /// <summary>The key of the data rows to plot.</summary>
    [JsonPropertyName("dataKey")] public required string DataKey { get; init; }
    /// <summary>The series color.</summary>
    [JsonPropertyName("color")] public WidgetColor? Color { get; init; }
}

/// <summary>Bars.</summary>
public sealed record BarSeries : ChartSeries
{
    /// <summary>Stack id: bars with the same id stack.</summary>
    [JsonPropertyName("stack")] public string? Stack { get; init; }
}

/// <summary>A filled area.</summary>
public sealed record AreaSeries : ChartSeries
{
    /// <summary>Stack id: areas with the same id stack.</summary>
    [JsonPropertyName("stack")] public string? Stack { get; init; }
    /// <summary>Interpolation.</summary>
    [JsonPropertyName("curveType")] public CurveType? CurveType { get; init; }
}

/// <summary>A line.</summary>
public sealed record LineSeries : ChartSeries
{
    /// <summary>Interpolation.</summary>
    [JsonPropertyName("curveType")] public CurveType? CurveType { get; init; }
}

/// <summary>
/// What a widget sends when the user acts on it (a click, a change, a submit). The defaulted members
/// have <c>set</c>, not <c>init</c>: the source-generated JSON contract builds init-only members in an
/// object initializer, which would write the type's zero values over these defaults when the JSON
/// leaves them out (a button would then be handled by the client). ReferenceDefaultsTests guards it.
/// </summary>
public sealed record ActionConfig
{
    /// <summary>The action's type, chosen by the integration.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }
    /// <summary>The payload (any JSON).</summary>
    [JsonPropertyName("payload")] public JsonNode? Payload { get; init; }
    /// <summary>Who handles it (the server by default).</summary>
    [JsonPropertyName("handler")] public ActionHandler Handler { get; set; } = ActionHandler.Server;
    /// <summary>What shows loading meanwhile.</summary>
    [JsonPropertyName("loadingBehavior")] public LoadingBehavior LoadingBehavior { get; set; } = LoadingBehavior.Auto;
    /// <summary>Whether the server answers with a stream.</summary>
    [JsonPropertyName("streaming")] public bool Streaming { get; set; } = true;

    /// <summary>An action of <paramref name="type"/> with an optional payload.</summary>
    public static ActionConfig Create(string type, JsonNode? payload = null, ActionHandler handler = ActionHandler.Server,
        LoadingBehavior loadingBehavior = LoadingBehavior.Auto, bool streaming = true) =>
        new() { Type = type, Payload = payload, Handler = handler, LoadingBehavior = loadingBehavior, Streaming = streaming };
}
