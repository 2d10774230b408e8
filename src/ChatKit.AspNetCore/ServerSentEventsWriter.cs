using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using ChatKit.Json;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>
/// How one kind of stream is written by <see cref="ServerSentEventsWriter"/>: the JSON of each item's
/// <c>data:</c> line, its optional <c>id:</c>, and the last frame it ends with when the server stops or fails.
/// </summary>
public sealed class SseStream<T>
{
    /// <summary>What the stream is, for the log (a request type, "widget stream").</summary>
    public required string Kind { get; init; }

    /// <summary>What it is about, for the log (a thread id, a stream id); may be learnt from the items (<see cref="SubjectOf"/>).</summary>
    public string? Subject { get; set; }

    /// <summary>What an item says the stream is about, when it says so (a created thread's id).</summary>
    public Func<T, string?>? SubjectOf { get; init; }

    /// <summary>Writes an item's JSON (the frame's <c>data:</c>).</summary>
    public required Action<T, Utf8JsonWriter> WriteData { get; init; }

    /// <summary>An item's event id (the frame's <c>id:</c>, echoed by a reconnecting client as <c>Last-Event-ID</c>).</summary>
    public Func<T, string?>? EventId { get; init; }

    /// <summary>
    /// Whether the response waits for the first item before sending its headers, so that a failure before
    /// anything was sent is still an HTTP error with a body (the protocol's streams); a subscription that may
    /// stay quiet for long sends its headers at once.
    /// </summary>
    public bool WaitForFirstItem { get; init; } = true;

    /// <summary>The frame that ends the stream when the shutdown grace period is over (none: the stream just ends).</summary>
    public Func<T>? OnShutdown { get; init; }

    /// <summary>The frame that ends the stream after an unexpected failure (none: the stream just ends).</summary>
    public Func<T>? OnFailure { get; init; }
}

/// <summary>
/// The one Server-Sent-Events writer of the server, for the ChatKit protocol's streams, simple chat and
/// widget subscriptions alike: <c>data:</c> frames (with an <c>id:</c> when the stream has ids), items that
/// are ready together leave in one write and are flushed as soon as the source has to wait, a
/// <c>: keep-alive</c> comment whenever the source is quiet for <c>ChatKit:KeepAliveSeconds</c> (a proxy's
/// read timeout must not cut an idle stream), <c>X-Accel-Buffering: no</c> for nginx, the shutdown grace
/// period (<see cref="ShutdownSignal"/>), and the response completed in <c>finally</c> whatever happened.
/// Frames are written straight to the response pipe with one reused <see cref="Utf8JsonWriter"/>.
/// </summary>
public sealed class ServerSentEventsWriter(IOptions<ChatKitHttpOptions> options, ShutdownSignal shutdown, ILogger<ServerSentEventsWriter> logger)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] IdPrefix = "id: "u8.ToArray();
    private static readonly byte[] LineEnd = "\n"u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private const int FlushThreshold = 16 * 1024;

    /// <summary>Writes <paramref name="items"/> as an SSE response until they end, the client leaves or the server stops.</summary>
    public async Task WriteAsync<T>(HttpResponse response, IAsyncEnumerable<T> items, SseStream<T> stream, CancellationToken requestAborted)
    {
        // The stream stops when the client leaves or when the shutdown grace period is over.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, shutdown.GraceExpired);
        var started = Stopwatch.GetTimestamp();
        var kind = new KeyValuePair<string, object?>("chatkit.stream.kind", stream.Kind);
        var cancellationToken = stop.Token;
        var keepAlive = options.Value.KeepAliveInterval;
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        var first = enumerator.MoveNextAsync();
        // A first item that failed at once (its source met the error before its first await) is checked here too.
        if (stream.WaitForFirstItem && !first.IsCompletedSuccessfully)
        {
            var waiting = first.AsTask();
            first = new ValueTask<bool>(waiting);
            try
            {
                // The first item decides the status: a failure before anything was sent (the database is
                // down, say) is still an HTTP error with a body, not a 200 stream with an error in it. A source
                // that stays quiet longer than the keep-alive interval (a turn queued behind the one running on
                // its thread) gets its headers and keep-alives meanwhile, so that no proxy cuts it for silence.
                if (!waiting.IsCompleted) await FirstItemOrQuietAsync(waiting, keepAlive);
                if (waiting.IsCompleted) await waiting;
            }
            catch (OperationCanceledException) when (shutdown.GraceExpired.IsCancellationRequested && !requestAborted.IsCancellationRequested)
            {
                // The grace period ended before the first item (a turn still queued): the stream starts only to end
                // with its shutdown frame (below), like any stream the server stops, not as a failure of the server.
            }
            catch
            {
                await enumerator.DisposeAsync();
                throw;
            }
        }

        response.StatusCode = StatusCodes.Status200OK;
        // With its charset, as the reference's Starlette sends it: a client that reads text/* without one (Python's requests)
        // would take the UTF-8 frames for Latin-1.
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass each frame on at once
        response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();

        var clock = Stopwatch.StartNew();
        ChatKitTelemetry.ActiveStreams.Add(1, kind);
        var count = 0;
        var cancelled = false;
        string? failure = null;
        using var json = new Utf8JsonWriter(response.BodyWriter, ChatKitJson.WriterOptions);
        // A MoveNextAsync that runs while we write: an async iterator must not be disposed while it runs, so
        // whatever ends the stream (the grace period, a failed write) first lets it finish (see Settle).
        Task<bool>? inFlight = null;
        try
        {
            await response.StartAsync(cancellationToken);
            var pending = first;
            while (true)
            {
                // Items that are already there go out together: the flush (a write to the socket) happens when the source
                // has to wait (the headers too, before a first item that is not there yet), or when enough is buffered.
                if (!pending.IsCompleted || (response.BodyWriter.CanGetUnflushedBytes && response.BodyWriter.UnflushedBytes >= FlushThreshold))
                {
                    var waiting = pending.AsTask();
                    inFlight = waiting;
                    await FlushAsync(response, stop);
                    pending = new ValueTask<bool>(waiting);
                }
                // The wait is here rather than in a helper method, whose state machine would be allocated for each wait
                // (a paced answer waits before nearly every event).
                bool next;
                if (pending.IsCompleted || keepAlive <= TimeSpan.Zero)
                {
                    next = await pending;
                }
                else
                {
                    var waiting = pending.AsTask(); // the task flushed above: no new one
                    try
                    {
                        next = await waiting.WaitAsync(keepAlive);
                    }
                    catch (TimeoutException quiet) when (!IsOutcomeOf(waiting, quiet))
                    {
                        next = await KeepAliveUntilNextAsync(response, waiting, keepAlive, stop);
                    }
                }
                inFlight = null;
                if (!next) break;
                var item = enumerator.Current;
                if (count == 0) ChatKitTelemetry.TimeToFirstEvent.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, kind);
                if (stream.SubjectOf?.Invoke(item) is { } subject) stream.Subject = subject;
                AppendFrame(json, response.BodyWriter, item, stream);
                count++;
                pending = enumerator.MoveNextAsync();
            }
        }
        catch (OperationCanceledException) when (shutdown.GraceExpired.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            // The server is stopping: the source saves what it must; the client is told, when the stream has a way to.
            failure = "shutdown";
            await SettleAsync(stop, inFlight);
            await enumerator.DisposeAsync();
            if (stream.OnShutdown is { } ending)
                await WriteFrameAsync(json, response, ending(), stream);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested || response.HttpContext.RequestAborted.IsCancellationRequested)
        {
            cancelled = true; // the client went away mid-write
        }
        catch (Exception ex)
        {
            // Sources turn their own failures into frames (the engine: error events); this is a failure of the source itself.
            failure = ex.GetType().Name;
            logger.LogError(ex, "Stream {StreamKind} for {Subject} failed after {EventCount} events", stream.Kind, stream.Subject, count);
            await SettleAsync(stop, inFlight);
            if (!response.HttpContext.RequestAborted.IsCancellationRequested && stream.OnFailure is { } ending)
                await WriteFrameAsync(json, response, ending(), stream);
        }
        finally
        {
            // Disposing runs the source's cleanup (the engine saves a cancelled turn) before the response ends.
            await SettleAsync(stop, inFlight);
            await enumerator.DisposeAsync();
            await CompleteAsync(response);
            ChatKitTelemetry.ActiveStreams.Add(-1, kind);
            logger.LogInformation(
                "Streamed {EventCount} events for {Subject} ({StreamKind}) in {ElapsedMs} ms; cancelled: {Cancelled}; failure: {Failure}",
                count, stream.Subject, stream.Kind, clock.ElapsedMilliseconds, cancelled, failure);
        }
    }

    /// <summary>
    /// Lets a MoveNextAsync that was still running when the stream ended finish (the source sees the stream's
    /// token cancelled, so it ends soon), so that the source can then be disposed: disposing an async iterator
    /// while it runs throws, and its cleanup (the engine saving a cut turn) would never run.
    /// </summary>
    private static async Task SettleAsync(CancellationTokenSource stop, Task<bool>? inFlight)
    {
        if (inFlight is null || inFlight.IsCompleted) return;
        await stop.CancelAsync();
        await ((Task)inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Waits until <paramref name="first"/> completes or, when keep-alives are on, for at most one keep-alive interval.</summary>
    private static async Task FirstItemOrQuietAsync(Task<bool> first, TimeSpan keepAlive)
    {
        if (keepAlive <= TimeSpan.Zero)
        {
            await ((Task)first).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }
        try
        {
            await first.WaitAsync(keepAlive);
        }
        catch (TimeoutException quiet) when (!IsOutcomeOf(first, quiet))
        {
            // Quiet for a whole interval: the caller sends the headers, then keep-alives while it waits.
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is <paramref name="task"/>'s own failure (a source may fail with a
    /// <see cref="TimeoutException"/> of its own), not the one <see cref="Task.WaitAsync(TimeSpan)"/> throws when the interval passes.
    /// </summary>
    private static bool IsOutcomeOf(Task task, Exception exception) => ReferenceEquals(task.Exception?.InnerException, exception);

    /// <summary>
    /// After a whole keep-alive interval without an item: writes a keep-alive comment, then again each time the wait for
    /// <paramref name="next"/> passes the interval. The pending <c>MoveNextAsync</c> is never abandoned (it is the
    /// stream's in-flight task, which whatever ends the stream lets finish): the source sees the stream's token itself,
    /// so it ends when the stream is stopped, and a failed write ends the stream.
    /// </summary>
    private async Task<bool> KeepAliveUntilNextAsync(HttpResponse response, Task<bool> next, TimeSpan keepAlive, CancellationTokenSource stop)
    {
        while (true)
        {
            if (stop.IsCancellationRequested) return await next;
            response.BodyWriter.Write(KeepAlive);
            await FlushAsync(response, stop);
            try
            {
                return await next.WaitAsync(keepAlive);
            }
            catch (TimeoutException quiet) when (!IsOutcomeOf(next, quiet))
            {
                // Quiet for another interval.
            }
        }
    }

    private static async Task WriteFrameAsync<T>(Utf8JsonWriter json, HttpResponse response, T item, SseStream<T> stream)
    {
        AppendFrame(json, response.BodyWriter, item, stream);
        var flushed = await response.BodyWriter.FlushAsync(CancellationToken.None);
        if (flushed.IsCanceled) throw new OperationCanceledException();
    }

    /// <summary>Serializes one frame (<c>id: …\n</c> when it has one, then <c>data: {json}\n\n</c>) into the response pipe, without flushing.</summary>
    private static void AppendFrame<T>(Utf8JsonWriter json, PipeWriter pipe, T item, SseStream<T> stream)
    {
        if (stream.EventId?.Invoke(item) is { } id)
        {
            pipe.Write(IdPrefix);
            pipe.Write(Encoding.UTF8.GetBytes(id));
            pipe.Write(LineEnd);
        }
        pipe.Write(DataPrefix);
        json.Reset(pipe);
        stream.WriteData(item, json);
        json.Flush();
        pipe.Write(FrameEnd);
    }

    /// <summary>
    /// Sends what is buffered. A client that reads nothing while the response is full (it stopped reading, or its
    /// connection is half-open) would hold the stream, and the turn and its thread's lock with it, for as long as
    /// Kestrel's minimum response rate allows, which grows with every byte already sent: after
    /// <c>ChatKit:StalledClientSeconds</c> the connection is aborted and the stream ends as if the client had left.
    /// </summary>
    private async Task FlushAsync(HttpResponse response, CancellationTokenSource stop)
    {
        var flushing = response.BodyWriter.FlushAsync(stop.Token);
        var stall = options.Value.StalledClientTimeout;
        if (!flushing.IsCompleted && stall > TimeSpan.Zero)
        {
            var flush = flushing.AsTask();
            using var quiet = new CancellationTokenSource();
            if (await Task.WhenAny(flush, Task.Delay(stall, quiet.Token)) != flush)
            {
                logger.LogInformation("A stream's client read nothing for {StalledSeconds} s; its connection is closed", stall.TotalSeconds);
                await stop.CancelAsync();
                response.HttpContext.Abort();
            }
            await quiet.CancelAsync();
            flushing = new ValueTask<FlushResult>(flush);
        }
        var flushed = await flushing;
        if (flushed.IsCanceled) throw new OperationCanceledException(stop.Token);
    }

    private async Task CompleteAsync(HttpResponse response)
    {
        try
        {
            await response.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is already gone; there is nobody left to complete the response for.
            logger.LogDebug(ex, "Could not complete the SSE response; the client had gone");
        }
    }
}
