using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Attachments;

/// <summary>The blob container of <see cref="AttachmentStorageKind.AzureBlob"/> (section <c>Attachments:AzureBlob</c>; checked at start only when that storage is chosen).</summary>
public sealed class AzureBlobAttachmentOptions
{
    /// <summary>
    /// A storage account connection string: an account key (<c>DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…</c>),
    /// a shared access signature (<c>BlobEndpoint=…;SharedAccessSignature=…</c>), or Azurite's development account.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Attachments:AzureBlob:ConnectionString is required.")]
    public string? ConnectionString { get; set; }

    /// <summary>The container that holds one blob per attachment, named by its id; created at start when missing.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Attachments:AzureBlob:Container is required.")]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$",
        ErrorMessage = "Attachments:AzureBlob:Container must be a container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.")]
    public string Container { get; set; } = "chatkit-attachments";
}
