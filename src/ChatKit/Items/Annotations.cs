using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>A reference from assistant text to a source.</summary>
public sealed class Annotation
{
    /// <summary>Always <c>annotation</c>.</summary>
    [JsonPropertyOrder(-1)] public string Type { get; set; } = "annotation";
    /// <summary>The source cited.</summary>
    public required Source Source { get; set; }
    /// <summary>Character index in the text where the citation sits.</summary>
    public int? Index { get; set; }
}

/// <summary>A source shown to users: a URL, a file or an entity.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(UrlSource), "url")]
[JsonDerivedType(typeof(FileSource), "file")]
[JsonDerivedType(typeof(EntitySource), "entity")]
public abstract class Source
{
    /// <summary>The title shown.</summary>
    public required string Title { get; set; }
    /// <summary>A description.</summary>
    public string? Description { get; set; }
    /// <summary>A timestamp text.</summary>
    public string? Timestamp { get; set; }
    /// <summary>A group to show it under.</summary>
    public string? Group { get; set; }
}

/// <summary>A web page.</summary>
public sealed class UrlSource : Source
{
    /// <summary>The address.</summary>
    public required string Url { get; set; }
    /// <summary>Attribution text.</summary>
    public string? Attribution { get; set; }
}

/// <summary>A file.</summary>
public sealed class FileSource : Source
{
    /// <summary>The file's name.</summary>
    public required string Filename { get; set; }
}

/// <summary>An entity of the integration (a person, a ticket, …).</summary>
public sealed class EntitySource : Source
{
    /// <summary>The entity id.</summary>
    public required string Id { get; set; }
    /// <summary>An icon name.</summary>
    public string? Icon { get; set; }
    /// <summary>Label shown with the icon in the hover header.</summary>
    public string? Label { get; set; }
    /// <summary>Label for the inline annotation.</summary>
    public string? InlineLabel { get; set; }
    /// <summary>Whether client callbacks are wired for this entity.</summary>
    public bool Interactive { get; set; }
    /// <summary>Data passed to client entity callbacks; keys untouched.</summary>
    public JsonObject Data { get; set; } = [];
    /// <summary>Deprecated and ignored by clients; kept for round-trips.</summary>
    public string? Preview { get; set; }
}
