using System.Text.Json.Serialization;

namespace ChatKit.Widgets;

/// <summary>The root of a widget: a Card, a ListView, a Basic root, or a root of a type this library does not know.</summary>
[JsonConverter(typeof(WidgetRootConverter))]
public abstract class WidgetRoot : WidgetNode;

/// <summary>A component inside a widget.</summary>
[JsonConverter(typeof(WidgetComponentConverter))]
public abstract class WidgetComponent : WidgetNode;

/// <summary>What every widget node has: a <c>type</c>, an optional <c>id</c> and <c>key</c>.</summary>
public abstract class WidgetNode
{
    /// <summary>The component's type as sent on the wire (<c>Card</c>, <c>Text</c>, …).</summary>
    [JsonPropertyName("type"), JsonPropertyOrder(-10)]
    public abstract string Type { get; }

    /// <summary>A stable key for list rendering.</summary>
    [JsonPropertyName("key"), JsonPropertyOrder(-12)]
    public string? Key { get; set; }

    /// <summary>The component's id; Text and Markdown with an id stream their text as deltas.</summary>
    [JsonPropertyName("id"), JsonPropertyOrder(-11)]
    public string? Id { get; set; }
}
