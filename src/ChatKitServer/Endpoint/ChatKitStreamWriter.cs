using System.Buffers;
using System.IO.Pipelines;
using System.Diagnostics;
using System.Text.Json;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Endpoint;

/// <summary>
/// Writes a stream of events as Server-Sent Events: one <c>data: {json}\n\n</c> frame per event,
/// flushed as soon as the responder has nothing more ready (events produced together leave in one
/// write), a <c>: keep-alive</c> comment whenever the responder is quiet for the
/// configured interval, and the response completed in <c>finally</c> whatever happened.
/// The protocol's framing is exact and tiny (no <c>event:</c> or <c>id:</c> lines), so frames are
/// written straight to the response pipe rather than through a general SSE formatter.
/// </summary>
public sealed class ChatKitStreamWriter(IOptions<ChatKitServerOptions> options, ShutdownSignal shutdown, ILogger<ChatKitStreamWriter> logger)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private const int FlushThreshold = 16 * 1024;

    public async Task WriteAsync(HttpResponse response, ChatKitStreamResponse stream, CancellationToken requestAborted)
    {
        // The stream stops when the client leaves or when the shutdown grace period is over.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, shutdown.GraceExpired);
        var cancellationToken = stop.Token;
        var enumerator = stream.Events.GetAsyncEnumerator(cancellationToken);
        bool hasFirst;
        try
        {
            // The first event decides the status: a failure before anything was sent (the database is
            // down, say) is still an HTTP error with a body, not a 200 stream with an error in it.
            hasFirst = await enumerator.MoveNextAsync();
        }
        catch
        {
            await enumerator.DisposeAsync();
            throw;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();

        var clock = Stopwatch.StartNew();
        var count = 0;
        var cancelled = false;
        string? failure = null;
        var threadId = stream.ThreadId;
        var keepAlive = options.Value.KeepAliveInterval;
        try
        {
            await response.StartAsync(cancellationToken);
            var next = hasFirst;
            using var json = new Utf8JsonWriter(response.BodyWriter, ChatKitJson.WriterOptions);
            while (next)
            {
                if (enumerator.Current is ThreadCreatedEvent created) threadId = created.Thread.Id;
                AppendFrame(json, response.BodyWriter, enumerator.Current);
                count++;
                // Events that are already there go out together: the flush (a write to the socket)
                // happens when the responder has to wait, or when enough is buffered.
                var pending = enumerator.MoveNextAsync();
                if (!pending.IsCompleted || (response.BodyWriter.CanGetUnflushedBytes && response.BodyWriter.UnflushedBytes >= FlushThreshold))
                    await FlushAsync(response, cancellationToken);
                next = await NextAsync(pending, response, keepAlive, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (shutdown.GraceExpired.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            // The server is stopping: the engine saves what was said; the client is told to try again.
            failure = "shutdown";
            await enumerator.DisposeAsync();
            await WriteFrameAsync(response, new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = true }, CancellationToken.None);
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
            // The engine turns responder failures into error events; this is a failure of the engine or store itself.
            failure = ex.GetType().Name;
            logger.LogError(ex, "Stream {RequestType} for {ThreadId} failed after {EventCount} events", stream.RequestType, threadId, count);
            if (!response.HttpContext.RequestAborted.IsCancellationRequested)
                await WriteFrameAsync(response, new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = true }, CancellationToken.None);
        }
        finally
        {
            // Disposing runs the engine's cleanup (saving a cancelled turn) before the response ends.
            await enumerator.DisposeAsync();
            await CompleteAsync(response);
            logger.LogInformation(
                "Streamed {EventCount} events for {ThreadId} ({RequestType}) in {ElapsedMs} ms; cancelled: {Cancelled}; failure: {Failure}",
                count, threadId, stream.RequestType, clock.ElapsedMilliseconds, cancelled, failure);
        }
    }

    /// <summary>
    /// Waits for the next event, writing a keep-alive comment each time the wait passes the interval.
    /// The pending <c>MoveNextAsync</c> is never abandoned: disposing an async iterator while it runs
    /// throws, so on cancellation (the enumeration sees the same token) or a failed write, it is
    /// awaited first.
    /// </summary>
    private static async ValueTask<bool> NextAsync(ValueTask<bool> next, HttpResponse response, TimeSpan keepAlive, CancellationToken ct)
    {
        if (next.IsCompleted || keepAlive <= TimeSpan.Zero)
            return await next;
        var pending = next.AsTask();
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(keepAlive, quiet.Token);
            var first = await Task.WhenAny(pending, delay);
            if (first == pending || ct.IsCancellationRequested)
            {
                await quiet.CancelAsync();
                return await pending;
            }
            try
            {
                await response.Body.WriteAsync(KeepAlive, ct);
                await response.Body.FlushAsync(ct);
            }
            catch
            {
                // The write's failure is the one reported; the enumeration's own outcome is secondary here.
                await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }
        }
    }

    private static async Task WriteFrameAsync(HttpResponse response, ThreadStreamEvent ev, CancellationToken ct)
    {
        using (var json = new Utf8JsonWriter(response.BodyWriter, ChatKitJson.WriterOptions))
            AppendFrame(json, response.BodyWriter, ev);
        await FlushAsync(response, ct);
    }

    /// <summary>Serializes one <c>data: {json}\n\n</c> frame into the response pipe, without flushing.</summary>
    private static void AppendFrame(Utf8JsonWriter json, PipeWriter pipe, ThreadStreamEvent ev)
    {
        pipe.Write(DataPrefix);
        json.Reset(pipe);
        JsonSerializer.Serialize(json, ev, ChatKitJson.Context.ThreadStreamEvent);
        pipe.Write(FrameEnd);
    }

    private static async Task FlushAsync(HttpResponse response, CancellationToken ct)
    {
        var flushed = await response.BodyWriter.FlushAsync(ct);
        if (flushed.IsCanceled) throw new OperationCanceledException(ct);
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
