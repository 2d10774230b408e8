using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>A part of a user message: text or a tag.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(UserMessageTextContent), "input_text")]
[JsonDerivedType(typeof(UserMessageTagContent), "input_tag")]
public abstract class UserMessageContent;

/// <summary>Plain text the user typed.</summary>
public sealed class UserMessageTextContent : UserMessageContent
{
    /// <summary>The text.</summary>
    public required string Text { get; set; }
}

/// <summary>An interactive tag (an @-mention of an entity).</summary>
public sealed class UserMessageTagContent : UserMessageContent
{
    /// <summary>The tag's id.</summary>
    public required string Id { get; set; }
    /// <summary>The text shown.</summary>
    public required string Text { get; set; }
    /// <summary>The integration's data for this tag; keys untouched.</summary>
    public JsonObject Data { get; set; } = [];
    /// <summary>The group the tag belongs to.</summary>
    public string? Group { get; set; }
    /// <summary>Whether the tag is interactive.</summary>
    public bool Interactive { get; set; }
}

/// <summary>One text part of an assistant message (<c>output_text</c>).</summary>
public sealed class AssistantMessageContent
{
    /// <summary>Always <c>output_text</c>.</summary>
    [JsonPropertyOrder(-1)] public string Type { get; set; } = "output_text";
    /// <summary>Sources cited by this text.</summary>
    public List<Annotation> Annotations { get; set; } = [];
    /// <summary>The text.</summary>
    public required string Text { get; set; }
}

/// <summary>The model and tool chosen for a message.</summary>
public sealed class InferenceOptions
{
    /// <summary>A tool the model must use.</summary>
    public ToolChoice? ToolChoice { get; set; }
    /// <summary>The model to answer with.</summary>
    public string? Model { get; set; }
}

/// <summary>An explicit tool selection.</summary>
public sealed class ToolChoice
{
    /// <summary>The tool's id.</summary>
    public required string Id { get; set; }
}

/// <summary>What the user submits: content, attachment ids, quote and options.</summary>
public sealed class UserMessageInput
{
    /// <summary>Text and tags.</summary>
    public required List<UserMessageContent> Content { get; set; }
    /// <summary>Ids of attachments created earlier.</summary>
    public List<string> Attachments { get; set; } = [];
    /// <summary>Quoted text.</summary>
    public string? QuotedText { get; set; }
    /// <summary>Model and tool choice.</summary>
    public InferenceOptions InferenceOptions { get; set; } = new();
}
