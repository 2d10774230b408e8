using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using ChatKit.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests;

/// <summary>The SSE writer itself, with a response whose writes can be held back.</summary>
public class ServerSentEventsWriterTests
{
    [Test]
    public async Task A_grace_period_that_ends_during_a_write_lets_the_source_finish_and_clean_up_and_tells_the_client()
    {
        var lifetime = new Lifetime();
        var options = Options.Create(new ChatKitHttpOptions { ShutdownGraceSeconds = 0, KeepAliveSeconds = 0 });
        using var shutdown = new ShutdownSignal(lifetime, options, NullLogger<ShutdownSignal>.Instance);
        var writer = new ServerSentEventsWriter(options, shutdown, NullLogger<ServerSentEventsWriter>.Instance);
        var body = new HeldBackWriter();
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new Body(body));
        var source = new Source();

        var writing = writer.WriteAsync(http.Response, source.ItemsAsync(), new SseStream<string>
        {
            Kind = "test",
            WriteData = static (item, json) => json.WriteStringValue(item),
            OnShutdown = static () => "bye",
        }, CancellationToken.None);
        await body.FirstFlushStarted.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the first item is being written; the source waits for its next
        lifetime.Stop(); // grace 0: the write in progress is cut
        _ = Task.Delay(300).ContinueWith(_ => source.Release.TrySetResult()); // the source's wait ends a little later

        await writing.WaitAsync(TimeSpan.FromSeconds(10));

        source.CleanedUp.Should().BeTrue("the source was let finish, then disposed: its cleanup ran");
        body.Written.Should().Contain("data: \"first\"\n\n").And.EndWith("data: \"bye\"\n\n");
    }

    [Test]
    public async Task A_source_that_fails_before_its_first_await_fails_the_request_before_any_header_is_sent()
    {
        // The store's write that meets a missing database on the caller's thread fails at once: the failure must still
        // become an HTTP error with a body (the exception handler's 503), not a 200 stream with an error in it.
        var lifetime = new Lifetime();
        var options = Options.Create(new ChatKitHttpOptions { KeepAliveSeconds = 30 });
        using var shutdown = new ShutdownSignal(lifetime, options, NullLogger<ShutdownSignal>.Instance);
        var writer = new ServerSentEventsWriter(options, shutdown, NullLogger<ServerSentEventsWriter>.Instance);
        var body = new RecordingWriter();
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new Body(body));

        var writing = () => writer.WriteAsync(http.Response, FailingAtOnceAsync(), new SseStream<string>
        {
            Kind = "test",
            WriteData = static (item, json) => json.WriteStringValue(item),
        }, CancellationToken.None);

        await writing.Should().ThrowAsync<InvalidOperationException>().WithMessage("the database is gone");
        http.Response.ContentType.Should().BeNull("the stream's headers were never set");
        body.Written.Should().BeEmpty();
    }

#pragma warning disable CS1998 // fails before any await, as a source whose first step completes synchronously
    private static async IAsyncEnumerable<string> FailingAtOnceAsync()
    {
        throw new InvalidOperationException("the database is gone");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    [Test]
    public async Task A_source_quiet_before_its_first_item_gets_its_headers_and_keep_alives_meanwhile()
    {
        // A turn queued behind the one running on its thread yields nothing until that one ends: a proxy's
        // read timeout must not cut it for silence any more than a quiet answer.
        var lifetime = new Lifetime();
        var options = Options.Create(new ChatKitHttpOptions { KeepAliveSeconds = 0.2 });
        using var shutdown = new ShutdownSignal(lifetime, options, NullLogger<ShutdownSignal>.Instance);
        var writer = new ServerSentEventsWriter(options, shutdown, NullLogger<ServerSentEventsWriter>.Instance);
        var body = new RecordingWriter();
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new Body(body));
        var firstItem = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writing = writer.WriteAsync(http.Response, LateItemsAsync(firstItem.Task), new SseStream<string>
        {
            Kind = "test",
            WriteData = static (item, json) => json.WriteStringValue(item),
        }, CancellationToken.None);
        for (var waited = 0; !body.Written.Contains(": keep-alive\n\n") && waited < 10_000; waited += 50)
            await Task.Delay(50);
        http.Response.StatusCode.Should().Be(200);
        http.Response.ContentType.Should().StartWith("text/event-stream");
        firstItem.SetResult();
        await writing.WaitAsync(TimeSpan.FromSeconds(10));

        body.Written.Should().StartWith(": keep-alive\n\n").And.EndWith("data: \"first\"\n\n");
    }

    [Test]
    public async Task A_source_that_fails_with_a_timeout_of_its_own_while_the_writer_waits_ends_the_stream_as_a_failure_not_a_quiet_spell()
    {
        // The writer's wait for the next item times out after the keep-alive interval with a TimeoutException; a source
        // that fails with one of its own (a model call that timed out) is a failure of the stream, not a quiet spell
        // to fill with keep-alives (waiting again on the failed item would throw again, forever).
        var lifetime = new Lifetime();
        var options = Options.Create(new ChatKitHttpOptions { KeepAliveSeconds = 5 });
        using var shutdown = new ShutdownSignal(lifetime, options, NullLogger<ShutdownSignal>.Instance);
        var writer = new ServerSentEventsWriter(options, shutdown, NullLogger<ServerSentEventsWriter>.Instance);
        var body = new RecordingWriter();
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new Body(body));

        var writing = writer.WriteAsync(http.Response, TimingOutAfterOneItemAsync(), new SseStream<string>
        {
            Kind = "test",
            WriteData = static (item, json) => json.WriteStringValue(item),
            OnFailure = static () => "failed",
        }, CancellationToken.None);

        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        body.Written.Should().Be("data: \"first\"\n\ndata: \"failed\"\n\n", "the source's own timeout ended the stream with its failure frame, without keep-alives");
    }

    private static async IAsyncEnumerable<string> TimingOutAfterOneItemAsync()
    {
        yield return "first";
        await Task.Delay(50);
        throw new TimeoutException("the model did not answer in time");
    }

    [Test]
    public async Task A_grace_period_that_ends_before_the_first_item_ends_the_stream_with_its_shutdown_frame_not_a_failure()
    {
        // A turn still queued on its thread when the grace period ends: the client is told to retry, as every open
        // stream is, rather than getting a 500 (and the log an error with a stack trace).
        var lifetime = new Lifetime();
        var options = Options.Create(new ChatKitHttpOptions { ShutdownGraceSeconds = 0, KeepAliveSeconds = 30 });
        using var shutdown = new ShutdownSignal(lifetime, options, NullLogger<ShutdownSignal>.Instance);
        var writer = new ServerSentEventsWriter(options, shutdown, NullLogger<ServerSentEventsWriter>.Instance);
        var body = new RecordingWriter();
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new Body(body));

        var writing = writer.WriteAsync(http.Response, LateItemsAsync(Task.Delay(Timeout.Infinite)), new SseStream<string>
        {
            Kind = "test",
            WriteData = static (item, json) => json.WriteStringValue(item),
            OnShutdown = static () => "bye",
        }, CancellationToken.None);
        await Task.Delay(100);
        lifetime.Stop();

        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        http.Response.StatusCode.Should().Be(200);
        body.Written.Should().Be("data: \"bye\"\n\n");
    }

    [Test]
    public async Task A_client_that_reads_nothing_while_the_response_is_full_is_let_go_after_the_stall_timeout_and_the_source_cleans_up()
    {
        // Kestrel's minimum response rate allows time in proportion to what was already sent (an hour and more
        // after a few megabytes): until then the turn, and its thread's lock, waited for a client that never read.
        var lifetime = new Lifetime();
        var options = Options.Create(new ChatKitHttpOptions { KeepAliveSeconds = 0, StalledClientSeconds = 0.3 });
        using var shutdown = new ShutdownSignal(lifetime, options, NullLogger<ShutdownSignal>.Instance);
        var writer = new ServerSentEventsWriter(options, shutdown, NullLogger<ServerSentEventsWriter>.Instance);
        var body = new HeldBackWriter(); // its first flush never completes on its own
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new Body(body));
        var lifetimeFeature = new AbortRecorder();
        http.Features.Set<IHttpRequestLifetimeFeature>(lifetimeFeature);
        var cleanedUp = false;

        async IAsyncEnumerable<string> AnswerAsync([EnumeratorCancellation] CancellationToken ct = default)
        {
            try
            {
                yield return "first";
                await Task.Delay(Timeout.Infinite, ct); // the responder, paused by backpressure
                yield return "never";
            }
            finally
            {
                cleanedUp = true;
            }
        }

        var writing = writer.WriteAsync(http.Response, AnswerAsync(), new SseStream<string>
        {
            Kind = "test",
            WriteData = static (item, json) => json.WriteStringValue(item),
        }, CancellationToken.None);

        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        lifetimeFeature.Aborted.Should().BeTrue("the connection of a client that reads nothing is closed");
        cleanedUp.Should().BeTrue("the source was cancelled and disposed: the engine saves the cut turn and frees its thread");
    }

    private sealed class AbortRecorder : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }
        public bool Aborted { get; private set; }
        public void Abort() => Aborted = true;
    }

    /// <summary>A source whose first item comes when <paramref name="ready"/> completes (it sees cancellation meanwhile).</summary>
    private static async IAsyncEnumerable<string> LateItemsAsync(Task ready, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await ready.WaitAsync(ct);
        yield return "first";
    }

    /// <summary>A response body that keeps what was flushed.</summary>
    private sealed class RecordingWriter : PipeWriter
    {
        private readonly Pipe _pipe = new();
        private readonly System.Text.StringBuilder _written = new();

        public string Written { get { lock (_written) return _written.ToString(); } }

        public override void Advance(int bytes) => _pipe.Writer.Advance(bytes);
        public override Memory<byte> GetMemory(int sizeHint = 0) => _pipe.Writer.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => _pipe.Writer.GetSpan(sizeHint);
        public override void CancelPendingFlush() { }
        public override void Complete(Exception? exception = null) => _pipe.Writer.Complete(exception);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            await _pipe.Writer.FlushAsync(CancellationToken.None);
            while (_pipe.Reader.TryRead(out var read))
            {
                lock (_written)
                    foreach (var segment in read.Buffer) _written.Append(System.Text.Encoding.UTF8.GetString(segment.Span));
                _pipe.Reader.AdvanceTo(read.Buffer.End);
                if (read.Buffer.IsEmpty) break;
            }
            return new FlushResult(isCanceled: false, isCompleted: false);
        }
    }

    private sealed class Source
    {
        public bool CleanedUp { get; private set; }
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<string> ItemsAsync([EnumeratorCancellation] CancellationToken ct = default)
        {
            try
            {
                yield return "first";
                // Busy with something that does not see the token at once (a database write, an upstream read).
                await Release.Task;
                ct.ThrowIfCancellationRequested();
                yield return "never";
            }
            finally
            {
                CleanedUp = true;
            }
        }
    }

    /// <summary>A response body whose first flush waits until it is cancelled, like a slow client's socket.</summary>
    private sealed class HeldBackWriter : PipeWriter
    {
        private readonly Pipe _pipe = new();
        private readonly System.Text.StringBuilder _written = new();
        private int _flushes;

        public TaskCompletionSource FirstFlushStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string Written => _written.ToString();

        public override void Advance(int bytes)
        {
            _pipe.Writer.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pipe.Writer.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => _pipe.Writer.GetSpan(sizeHint);
        public override void CancelPendingFlush() { }
        public override void Complete(Exception? exception = null) => _pipe.Writer.Complete(exception);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            await _pipe.Writer.FlushAsync(CancellationToken.None);
            while (_pipe.Reader.TryRead(out var read))
            {
                foreach (var segment in read.Buffer) _written.Append(System.Text.Encoding.UTF8.GetString(segment.Span));
                _pipe.Reader.AdvanceTo(read.Buffer.End);
                if (read.Buffer.IsEmpty) break;
            }
            if (Interlocked.Increment(ref _flushes) == 1) // the first item's
            {
                FirstFlushStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            return new FlushResult(isCanceled: false, isCompleted: false);
        }
    }

    private sealed class Body(PipeWriter writer) : IHttpResponseBodyFeature
    {
        public Stream Stream => writer.AsStream();
        public PipeWriter Writer => writer;
        public void DisableBuffering() { }
        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task CompleteAsync() => writer.FlushAsync().AsTask(); // what is still buffered goes out, as Kestrel does
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => _stopping.Cancel();
        public void Stop() => _stopping.Cancel();
    }
}
