using ChatKit;
using Microsoft.AspNetCore.Http;

namespace ChatKit.AspNetCore;

/// <summary>
/// The bytes of a multipart file part as <see cref="Microsoft.AspNetCore.WebUtilities.MultipartReader"/>
/// gives them, with a body that is malformed inside the file (it ends before the closing boundary) told
/// to the client as a 400 rather than failing the request as a server error. Kestrel's own refusals (too
/// slow, too large) and a stopped read keep their meaning.
/// </summary>
internal sealed class MultipartFileBody(Stream part) : ReadOnlyStream(part)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (MultipartUpload.IsMalformed(ex, cancellationToken))
        {
            throw new ChatKitValidationException("The multipart/form-data body is malformed inside the file: " + ex.Message, ex);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Uploads are read asynchronously.");
}
