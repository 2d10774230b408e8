using System.Buffers;
using System.IO.Pipelines;

namespace ChatKitServer.Limits;

/// <summary>
/// A request body read as a stream that stops when a token fires by cancelling the pending read rather
/// than through the read's own token: Kestrel's body reader stays consistent, so past a deadline the
/// 408 goes out and the connection closes cleanly (a read cancelled through its token leaves the reader
/// "in an invalid state" and Kestrel logs an error for every such request).
/// </summary>
public sealed class StoppableRequestBody(PipeReader reader, CancellationToken stop) : Stream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        await using var deadline = stop.Register(reader.CancelPendingRead);
        await using var caller = cancellationToken.Register(reader.CancelPendingRead);
        var result = await reader.ReadAsync(CancellationToken.None);
        var bytes = result.Buffer;
        var count = (int)Math.Min(bytes.Length, destination.Length);
        bytes.Slice(0, count).CopyTo(destination.Span);
        reader.AdvanceTo(bytes.GetPosition(count));
        if (count == 0 && result.IsCanceled)
            throw new OperationCanceledException("Reading the request body was stopped.", stop.IsCancellationRequested ? stop : cancellationToken);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
