using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace ChatKitServer.Attachments;

/// <summary>
/// Upload and preview addresses signed with ASP.NET Core Data Protection: the signature names the
/// attachment, its owner and the purpose, so an <c>&lt;img src&gt;</c> (which cannot send a bearer
/// token) can load a preview, and nobody else's attachment can be reached by guessing ids.
/// </summary>
public sealed class AttachmentLinks(IDataProtectionProvider protection, IHttpContextAccessor http)
{
    public const string UploadPurpose = "upload";
    public const string PreviewPurpose = "preview";

    private readonly IDataProtector _protector = protection.CreateProtector("ChatKitServer.Attachments.Links.v1");

    public string Upload(string attachmentId, string userId) => Link(attachmentId, "upload", Sign(UploadPurpose, attachmentId, userId));

    public string Preview(string attachmentId, string userId) => Link(attachmentId, "preview", Sign(PreviewPurpose, attachmentId, userId));

    /// <summary>The owner named by a valid signature for this attachment and purpose, or null.</summary>
    public string? Verify(string? signature, string purpose, string attachmentId)
    {
        if (string.IsNullOrEmpty(signature)) return null;
        try
        {
            var parts = _protector.Unprotect(signature).Split('\n');
            return parts.Length == 3 && parts[0] == purpose && parts[1] == attachmentId ? parts[2] : null;
        }
        catch (CryptographicException)
        {
            return null; // tampered, or signed with another key: treated as no signature
        }
    }

    private string Sign(string purpose, string attachmentId, string userId) => _protector.Protect(purpose + "\n" + attachmentId + "\n" + userId);

    private string Link(string attachmentId, string action, string signature)
    {
        var request = http.HttpContext?.Request ?? throw new InvalidOperationException("Attachment links are made while serving a request.");
        return $"{request.Scheme}://{request.Host}{request.PathBase}/chatkit/attachments/{attachmentId}/{action}?sig={Uri.EscapeDataString(signature)}";
    }
}
