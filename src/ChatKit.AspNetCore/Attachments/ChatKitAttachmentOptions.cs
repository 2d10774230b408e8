using System.ComponentModel.DataAnnotations;

namespace ChatKit.AspNetCore;

/// <summary>
/// Uploads and their signed links (<see cref="ChatKitAttachmentsExtensions.AddAttachments"/>; ChatKitServer binds them from the section
/// <c>Attachments</c>): where the bytes go with the default storage, what may be uploaded, how long links work.
/// </summary>
public sealed class ChatKitAttachmentOptions : IValidatableObject
{
    /// <summary>The configuration section ChatKitServer reads these from.</summary>
    public const string Section = "Attachments";

    /// <summary>Folder of the uploaded bytes with the default storage (<see cref="LocalAttachmentStorage"/>; created when missing).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "data/attachments";

    /// <summary>
    /// The path the endpoints are mapped under (<see cref="ChatKitAttachmentsExtensions.MapChatKitAttachments"/>) and the
    /// upload and preview links are built on (<c>Attachments:RoutePrefix</c> in ChatKitServer); by default
    /// <see cref="ChatKitAttachmentEndpoints.Path"/>. An app that maps ChatKit elsewhere (<c>MapChatKit("/api/chatkit")</c>)
    /// sets it beside. Changing it keeps stored items working: their previews are signed on the current path when served.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string RoutePrefix { get; set; } = ChatKitAttachmentEndpoints.Path;

    /// <summary>The largest file accepted, in bytes (413 beyond).</summary>
    [Range(1, 1L << 32)]
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>The MIME types accepted when <see cref="AllowedMimeTypes"/> names none.</summary>
    public static readonly IReadOnlyList<string> DefaultMimeTypes =
    [
        "image/png", "image/jpeg", "image/gif", "image/webp",
        "text/plain", "text/markdown", "text/csv", "application/json", "application/pdf",
    ];

    /// <summary>
    /// MIME types accepted (exact; parameters like <c>;charset=</c> are ignored; 415 for the others); empty means
    /// <see cref="DefaultMimeTypes"/>. A configured list replaces the defaults: they are not an initializer,
    /// which the configuration binder would append the configured types to.
    /// </summary>
    public string[] AllowedMimeTypes { get; set; } = [];

    /// <summary>The types accepted: the configured ones, or the defaults when none are configured.</summary>
    public IReadOnlyList<string> AcceptedMimeTypes => AllowedMimeTypes.Length > 0 ? AllowedMimeTypes : DefaultMimeTypes;

    /// <summary>An image preview link works this long; items carry a fresh one each time they are served.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PreviewLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The upload link of <c>attachments.create</c> works this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan UploadLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(RoutePrefix) && !System.Text.RegularExpressions.Regex.IsMatch(RoutePrefix, @"^(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$"))
            yield return new ValidationResult(
                $"Attachments:RoutePrefix must be a path like /chatkit/attachments: starting with '/', no trailing '/', no empty segment, no route parameters, query or fragment (got '{RoutePrefix}').",
                [nameof(RoutePrefix)]);
        for (var i = 0; i < AllowedMimeTypes.Length; i++)
        {
            var type = AllowedMimeTypes[i];
            if (string.IsNullOrWhiteSpace(type) || !System.Text.RegularExpressions.Regex.IsMatch(type, @"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$"))
                yield return new ValidationResult($"Attachments:AllowedMimeTypes:{i} must be a MIME type in lower case like image/png (got '{type}').", [nameof(AllowedMimeTypes)]);
        }
    }
}
