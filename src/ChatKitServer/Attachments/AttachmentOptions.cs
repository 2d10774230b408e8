using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Attachments;

/// <summary>
/// The server's own attachment settings (section <c>Attachments</c>): which storage, the cleanup of unused uploads, what
/// the model sees. The folder, the size and type limits and the link lifetimes are ChatKit.AspNetCore's
/// <see cref="ChatKit.AspNetCore.ChatKitAttachmentOptions"/>, bound from the same section.
/// </summary>
public sealed class AttachmentOptions : IValidatableObject
{
    public const string Section = "Attachments";

    /// <summary>Where the bytes live: <c>Attachments:Path</c> on this machine, or the blob container of <see cref="AzureBlob"/> (shared by every instance).</summary>
    public AttachmentStorageKind Storage { get; set; } = AttachmentStorageKind.Local;

    /// <summary>The blob container of <see cref="AttachmentStorageKind.AzureBlob"/> (section <c>Attachments:AzureBlob</c>).</summary>
    public AzureBlobAttachmentOptions AzureBlob { get; set; } = new();

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
