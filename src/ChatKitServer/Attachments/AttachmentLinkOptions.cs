using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Attachments;

/// <summary>How long signed attachment links work (section <c>Attachments</c>).</summary>
public sealed class AttachmentLinkOptions
{
    /// <summary>An image preview link works this long; items carry a fresh one each time they are served.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PreviewLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The upload link of <c>attachments.create</c> works this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan UploadLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
