using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Attachments;

/// <summary>Uploads (section <c>Attachments</c>).</summary>
public sealed class AttachmentOptions : IValidatableObject
{
    public const string Section = "Attachments";

    /// <summary>Where the bytes live: <see cref="Path"/> on this machine, or the blob container of <see cref="AzureBlob"/> (shared by every instance).</summary>
    public AttachmentStorageKind Storage { get; set; } = AttachmentStorageKind.Local;

    /// <summary>The blob container of <see cref="AttachmentStorageKind.AzureBlob"/> (section <c>Attachments:AzureBlob</c>).</summary>
    public AzureBlobAttachmentOptions AzureBlob { get; set; } = new();

    /// <summary>Folder of the uploaded bytes with <see cref="AttachmentStorageKind.Local"/> (created when missing).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "data/attachments";

    /// <summary>The largest file accepted, in bytes.</summary>
    [Range(1, 1L << 32)]
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>The MIME types accepted when <see cref="AllowedMimeTypes"/> names none.</summary>
    public static readonly IReadOnlyList<string> DefaultMimeTypes =
    [
        "image/png", "image/jpeg", "image/gif", "image/webp",
        "text/plain", "text/markdown", "text/csv", "application/json", "application/pdf",
    ];

    /// <summary>
    /// MIME types accepted (exact; parameters like <c>;charset=</c> are ignored); empty means
    /// <see cref="DefaultMimeTypes"/>. A configured list replaces the defaults: they are not an initializer,
    /// which the configuration binder would append the configured types to.
    /// </summary>
    public string[] AllowedMimeTypes { get; set; } = [];

    /// <summary>The types accepted: the configured ones, or the defaults when none are configured.</summary>
    public IReadOnlyList<string> AcceptedMimeTypes => AllowedMimeTypes.Length > 0 ? AllowedMimeTypes : DefaultMimeTypes;

    /// <summary>An attachment no message uses is removed after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan UnusedRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often unused attachments are looked for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Characters of a text-like attachment (txt, md, csv, json) the model sees.</summary>
    [Range(0, 1_000_000)]
    public int TextBudgetChars { get; set; } = 20_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedMimeTypes.Length; i++)
        {
            var type = AllowedMimeTypes[i];
            if (string.IsNullOrWhiteSpace(type) || !System.Text.RegularExpressions.Regex.IsMatch(type, @"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$"))
                yield return new ValidationResult($"Attachments:AllowedMimeTypes:{i} must be a MIME type in lower case like image/png (got '{type}').", [nameof(AllowedMimeTypes)]);
        }

        if (Storage != AttachmentStorageKind.AzureBlob) yield break;
        var problems = new List<ValidationResult>();
        Validator.TryValidateObject(AzureBlob, new ValidationContext(AzureBlob), problems, validateAllProperties: true);
        foreach (var problem in problems)
            yield return new ValidationResult($"Attachments:Storage is AzureBlob: {problem.ErrorMessage}", problem.MemberNames.Select(m => nameof(AzureBlob) + ":" + m));
    }
}

/// <summary>Where attachment bytes live (<c>Attachments:Storage</c>).</summary>
public enum AttachmentStorageKind
{
    /// <summary>Files under <c>Attachments:Path</c> on this machine (one instance, or a shared volume).</summary>
    Local,
    /// <summary>Blobs in an Azure Blob Storage container, shared by every instance.</summary>
    AzureBlob,
}
