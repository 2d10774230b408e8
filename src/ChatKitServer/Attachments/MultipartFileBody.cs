using ChatKit;
using Microsoft.AspNetCore.Http;

namespace ChatKitServer.Attachments;

/// <summary>
/// The bytes of a multipart file part as <see cref="Microsoft.AspNetCore.WebUtilities.MultipartReader"/>
/// gives them, with a body that is malformed inside the file (it ends before the closing boundary) told
/// to the client as a 400 rather than failing the request as a server error. Kestrel's own refusals (too
/// slow, too large) and a stopped read keep their meaning.
/// </summary>
internal sealed class MultipartFileBody(Stream part) : Stream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await part.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (MultipartUpload.IsMalformed(ex, cancellationToken))
        {
            throw new ChatKitValidationException("The multipart/form-data body is malformed inside the file: " + ex.Message, ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Uploads are read asynchronously.");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) part.Dispose();
        base.Dispose(disposing);
    }
}
