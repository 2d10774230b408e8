using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>A file or image the user attached.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(FileAttachment), "file")]
[JsonDerivedType(typeof(ImageAttachment), "image")]
public abstract class Attachment
{
    /// <summary>The attachment id (<c>atc_…</c>).</summary>
    public required string Id { get; set; }
    /// <summary>The file name the client gave.</summary>
    public required string Name { get; set; }
    /// <summary>The MIME type.</summary>
    public required string MimeType { get; set; }
    /// <summary>Where to send the bytes (two-phase upload); null once uploaded or for direct upload.</summary>
    public AttachmentUploadDescriptor? UploadDescriptor { get; set; }
    /// <summary>The thread the attachment belongs to, set when a message using it is saved.</summary>
    public string? ThreadId { get; set; }
    /// <summary>Integration-only metadata. Never sent on the wire; stores keep it themselves.</summary>
    [JsonIgnore] public JsonObject? Metadata { get; set; }
    /// <summary>The wire name of this attachment's kind.</summary>
    [JsonIgnore] public abstract string Kind { get; }
}

/// <summary>A generic file.</summary>
public sealed class FileAttachment : Attachment
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "file";
}

/// <summary>An image, with a preview the client loads.</summary>
public sealed class ImageAttachment : Attachment
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "image";
    /// <summary>Where the preview loads from.</summary>
    public required string PreviewUrl { get; set; }
}

/// <summary>Two-phase upload instructions.</summary>
public sealed class AttachmentUploadDescriptor
{
    /// <summary>Where to send the bytes.</summary>
    public required string Url { get; set; }
    /// <summary><c>POST</c> or <c>PUT</c>.</summary>
    public required string Method { get; set; }
    /// <summary>Headers to send with the upload.</summary>
    public Dictionary<string, string> Headers { get; set; } = [];
}
