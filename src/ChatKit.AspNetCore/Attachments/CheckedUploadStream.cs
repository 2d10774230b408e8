namespace ChatKit.AspNetCore;

/// <summary>
/// The bytes of an uploaded file on their way to storage, counted: more than <paramref name="maxBytes"/>
/// fail as soon as they arrive, fewer than <paramref name="minBytes"/> fail at the end, before the
/// storage keeps anything.
/// </summary>
internal sealed class CheckedUploadStream(Stream inner, long minBytes, long maxBytes, Func<long, Exception> tooMany, Func<long, Exception> tooFew) : Stream
{
    public long Count { get; private set; }

    /// <summary>Bytes counted with an upper limit only.</summary>
    public static CheckedUploadStream AtMost(Stream inner, long maxBytes, Func<long, Exception> tooMany) =>
        new(inner, 0, maxBytes, tooMany, count => new InvalidOperationException($"No minimum was set, yet {count} bytes were too few."));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Count += read;
        if (Count > maxBytes) throw tooMany(Count);
        if (read == 0 && buffer.Length > 0 && Count < minBytes) throw tooFew(Count);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Uploads are read asynchronously.");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
