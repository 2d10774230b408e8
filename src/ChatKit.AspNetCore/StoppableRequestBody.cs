using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace ChatKit.AspNetCore;

/// <summary>
/// A request body read as a stream that stops when a token fires by cancelling the pending read rather
/// than through the read's own token: Kestrel's body reader stays consistent, so past a deadline the
/// 408 goes out and the connection closes cleanly (a read cancelled through its token leaves the reader
/// "in an invalid state" and Kestrel logs an error for every such request).
/// </summary>
public sealed class StoppableRequestBody : Stream
{
    private readonly PipeReader _reader;
    private readonly CancellationToken _stop;
    private readonly CancellationTokenRegistration _stopping;

    /// <summary>Reads <paramref name="reader"/> until it ends or <paramref name="stop"/> fires.</summary>
    public StoppableRequestBody(PipeReader reader, CancellationToken stop)
    {
        _reader = reader;
        _stop = stop;
        _stopping = stop.Register(reader.CancelPendingRead);
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a slow body is many small reads: no allocation per read
    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        await using var caller = cancellationToken.CanBeCanceled && cancellationToken != _stop ? cancellationToken.Register(_reader.CancelPendingRead) : default;
        var result = await _reader.ReadAsync(CancellationToken.None);
        var bytes = result.Buffer;
        if (result.IsCanceled || _stop.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            // Stopped, even when bytes came with the stop: the stop fires once, so no later read would end.
            _reader.AdvanceTo(bytes.Start);
            throw new OperationCanceledException("Reading the request body was stopped.", _stop.IsCancellationRequested ? _stop : cancellationToken);
        }
        var count = (int)Math.Min(bytes.Length, destination.Length);
        bytes.Slice(0, count).CopyTo(destination.Span);
        _reader.AdvanceTo(bytes.GetPosition(count));
        return count;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _stopping.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");

    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
