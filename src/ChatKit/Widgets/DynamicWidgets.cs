using System.Text.Json.Nodes;

namespace ChatKit.Widgets;

/// <summary>
/// A component of a type this library has no class for (newer ChatKit components, templates):
/// every property is kept and written back unchanged.
/// </summary>
public sealed class DynamicWidgetComponent : WidgetComponent
{
    /// <summary>A component of <paramref name="type"/> with these properties (besides <c>type</c>).</summary>
    public DynamicWidgetComponent(string type, JsonObject? properties = null)
    {
        TypeName = type;
        Properties = properties ?? [];
    }

    private string TypeName { get; }

    /// <inheritdoc />
    public override string Type => TypeName;

    /// <summary>Every property but <c>type</c>, as sent (including <c>id</c> and <c>key</c>).</summary>
    public JsonObject Properties { get; }
}
