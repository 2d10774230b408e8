using System.Globalization;
using System.Security.Cryptography;
using ChatKit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>
/// Upload and preview addresses signed with ASP.NET Core Data Protection: the signature names the
/// attachment, its owner and the purpose, so an <c>&lt;img src&gt;</c> (which cannot send a bearer
/// token) can load a preview, and nobody else's attachment can be reached by guessing ids. Links
/// expire (<see cref="ChatKitAttachmentOptions.PreviewLinkLifetime"/>, <see cref="ChatKitAttachmentOptions.UploadLinkLifetime"/>), and their host comes from <see cref="PublicAddress"/>,
/// never from an unvouched Host header. The signature reads <c>&lt;expiry, unix seconds&gt;.&lt;protected
/// payload&gt;</c>, the payload naming the purpose, the attachment, the owner and that expiry. The payload is
/// checked first and the expiry after: a genuine link used too late gets 410 (saying how to get a fresh one),
/// anything else, whatever expiry it shows, 404 (a forged link learns nothing about the attachment).
/// </summary>
public sealed class AttachmentLinks(IDataProtectionProvider protection, PublicAddress address, IOptions<ChatKitAttachmentOptions> options, TimeProvider clock)
{
    /// <summary>The purpose of an upload link (<see cref="Verify"/>).</summary>
    public const string UploadPurpose = "upload";

    /// <summary>The purpose of a preview link (<see cref="Verify"/>).</summary>
    public const string PreviewPurpose = "preview";

    // v3: the expiry is checked from the authenticated payload (v2 used a time-limited protector, whose expired
    // links could not be told from forged ones once past the prefix check). v2 links are refused (404): they were
    // short-lived, and served items carry links signed anew.
    private readonly IDataProtector _protector = protection.CreateProtector("ChatKitServer.Attachments.Links.v3");

    /// <summary>
    /// The stable, unsigned path of a preview (on <see cref="ChatKitAttachmentOptions.RoutePrefix"/>): what is stored inside
    /// items; signed when served.
    /// </summary>
    public string PreviewPath(string attachmentId) => $"{options.Value.RoutePrefix}/{Uri.EscapeDataString(attachmentId)}/preview";

    /// <summary>A signed upload link for <paramref name="userId"/>'s attachment (made while serving a request, or on a configured public address).</summary>
    public string Upload(string attachmentId, string userId) =>
        Link(attachmentId, "upload", Sign(UploadPurpose, attachmentId, userId, options.Value.UploadLinkLifetime))
        ?? throw new InvalidOperationException("Upload links are made while serving a request, or with ChatKit:PublicBaseUrl set.");

    /// <summary>A signed preview link, or null when there is no public address to build it on (outside a request).</summary>
    public string? Preview(string attachmentId, string userId) =>
        Link(attachmentId, "preview", Sign(PreviewPurpose, attachmentId, userId, options.Value.PreviewLinkLifetime));

    /// <summary>
    /// The owner named by a valid signature for this attachment and purpose, or null (no signature, tampered,
    /// another key, another attachment or purpose). Throws <see cref="AttachmentLinkExpiredException"/> (410) when a
    /// link that is otherwise valid has expired.
    /// </summary>
    public string? Verify(string? signature, string purpose, string attachmentId)
    {
        if (string.IsNullOrEmpty(signature)) return null;
        var dot = signature.IndexOf('.');
        if (dot <= 0 || !long.TryParse(signature.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var unix)) return null;
        string[] parts;
        try
        {
            parts = _protector.Unprotect(signature[(dot + 1)..]).Split('\n');
        }
        catch (CryptographicException)
        {
            return null; // tampered, or signed with a key this ring does not have: treated as no signature
        }
        if (parts.Length != 4 || parts[0] != purpose || parts[1] != attachmentId || parts[3] != unix.ToString(CultureInfo.InvariantCulture))
            return null;
        var expires = DateTimeOffset.FromUnixTimeSeconds(Math.Min(unix, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (expires <= clock.GetUtcNow())
            throw new AttachmentLinkExpiredException(attachmentId, expires);
        return parts[2];
    }

    private string Sign(string purpose, string attachmentId, string userId, TimeSpan lifetime)
    {
        var expires = clock.GetUtcNow() + lifetime;
        var unix = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return unix + "." + _protector.Protect(string.Join('\n', purpose, attachmentId, userId, unix));
    }

    private string? Link(string attachmentId, string action, string signature) =>
        address.Base() is { } root ? $"{root}{options.Value.RoutePrefix}/{Uri.EscapeDataString(attachmentId)}/{action}?sig={Uri.EscapeDataString(signature)}" : null;
}

/// <summary>A signed link used after its expiry: 410 Gone, saying how to get a fresh one.</summary>
public sealed class AttachmentLinkExpiredException(string attachmentId, DateTimeOffset expired)
    : ChatKitException($"The link to attachment '{attachmentId}' expired at {expired:u}. Links are short-lived: load the thread again (or create the attachment again) for a fresh one.")
{
    /// <inheritdoc />
    public override int StatusCode => StatusCodes.Status410Gone;
}
