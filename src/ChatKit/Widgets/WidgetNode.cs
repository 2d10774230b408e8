using System.Text.Json.Serialization;

namespace ChatKit.Widgets;

/// <summary>
/// What every widget node has: a <c>type</c>, an optional <c>id</c> and <c>key</c>. Build widgets
/// with object initializers, e.g.
/// <code>new Card { Children = [new Title { Value = "Hi" }, new Button { Label = "Go", OnClickAction = ActionConfig.Create("go") }] }</code>
/// </summary>
public abstract class WidgetNode
{
    /// <summary>The component's type on the wire (<c>Card</c>, <c>Text</c>, …).</summary>
    [JsonPropertyName("type"), JsonPropertyOrder(-10)]
    public abstract string Type { get; }

    /// <summary>A stable key for list rendering.</summary>
    [JsonPropertyName("key"), JsonPropertyOrder(-12)]
    public string? Key { get; set; }

    /// <summary>The component's id; Text and Markdown components with an id stream their text as deltas.</summary>
    [JsonPropertyName("id"), JsonPropertyOrder(-11)]
    public string? Id { get; set; }
}

/// <summary>The root of a widget: a <see cref="Card"/>, a <see cref="ListView"/> or a <see cref="BasicRoot"/> (the only roots the protocol has).</summary>
[JsonConverter(typeof(WidgetRootConverter))]
public abstract class WidgetRoot : WidgetNode;

/// <summary>A component inside a widget; an unknown type reads as a <see cref="DynamicWidgetComponent"/>.</summary>
[JsonConverter(typeof(WidgetComponentConverter))]
public abstract class WidgetComponent : WidgetNode;
