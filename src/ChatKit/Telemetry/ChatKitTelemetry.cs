using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChatKit;

/// <summary>
/// ChatKit's traces and metrics, on <see cref="System.Diagnostics"/> alone (no OpenTelemetry dependency):
/// a host collects them with OpenTelemetry by adding the source and meter named <see cref="Name"/>.
/// Spans: one per ChatKit request (<c>chatkit {request type}</c>, with the thread), one per store write
/// and one per tool call; metrics below. No message text or user id is recorded.
/// </summary>
public static class ChatKitTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "ChatKit";

    /// <summary>The spans.</summary>
    public static ActivitySource Source { get; } = new(Name, typeof(ChatKitTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>The metrics.</summary>
    public static Meter Meter { get; } = new(Name, typeof(ChatKitTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Tag: the request type (<c>threads.create</c>…).</summary>
    public const string RequestTypeTag = "chatkit.request.type";
    /// <summary>Tag: the thread id.</summary>
    public const string ThreadTag = "chatkit.thread.id";
    /// <summary>Tag: an error's protocol code (<c>stream.error</c>, <c>custom</c>) or HTTP status.</summary>
    public const string ErrorTag = "error.type";

    /// <summary><c>chatkit.turns</c>: turns run (streaming requests that reached the responder), by request type.</summary>
    public static Counter<long> Turns { get; } = Meter.CreateCounter<long>("chatkit.turns", "{turn}", "ChatKit turns run, by request type.");

    /// <summary><c>chatkit.stream.time_to_first_event</c>: seconds from the request to the first event written.</summary>
    public static Histogram<double> TimeToFirstEvent { get; } = Meter.CreateHistogram("chatkit.stream.time_to_first_event", "s",
        "Time from the request to the first event of its stream.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary><c>chatkit.stream.active</c>: streams open now.</summary>
    public static UpDownCounter<long> ActiveStreams { get; } = Meter.CreateUpDownCounter<long>("chatkit.stream.active", "{stream}", "Streams open now.");

    /// <summary><c>chatkit.errors</c>: errors clients were given, by protocol code or HTTP status.</summary>
    public static Counter<long> Errors { get; } = Meter.CreateCounter<long>("chatkit.errors", "{error}", "Errors clients were given, by protocol code or HTTP status.");

    /// <summary><c>chatkit.tool.calls</c>: tool calls, by tool name and outcome (<c>ok</c>, <c>error</c>, <c>client</c>).</summary>
    public static Counter<long> ToolCalls { get; } = Meter.CreateCounter<long>("chatkit.tool.calls", "{call}", "Tool calls, by tool and outcome.");

    /// <summary><c>chatkit.tokens</c>: tokens the model used, by model and type (<c>input</c>, <c>output</c>).</summary>
    public static Counter<long> Tokens { get; } = Meter.CreateCounter<long>("chatkit.tokens", "{token}", "Model tokens used, by model and type.");

    /// <summary>Tag of <see cref="StoreWriteDuration"/>: whether the write found another write being committed and waited for it.</summary>
    public const string StoreWriteQueuedTag = "chatkit.store.write.queued";

    /// <summary>
    /// <c>chatkit.store.write.duration</c>: seconds from a store write's call until the commit that holds it returned, the wait
    /// for a single-writer database's writer included; by <see cref="StoreWriteQueuedTag"/>. On SQLite, queued writes with a
    /// long tail next to short commits (<see cref="StoreCommitDuration"/>) mean writes wait behind a slow commit.
    /// </summary>
    public static Histogram<double> StoreWriteDuration { get; } = Meter.CreateHistogram("chatkit.store.write.duration", "s",
        "Time from a store write's call until its commit returned.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    /// <summary>
    /// <c>chatkit.store.commit.duration</c>: seconds one commit held a single-writer database's writer (SQLite), from
    /// taking it to the commit's return. WAL checkpoints run beside the writer (<see cref="StoreCheckpointDuration"/>); a
    /// commit runs one itself only when the WAL has outgrown them.
    /// </summary>
    public static Histogram<double> StoreCommitDuration { get; } = Meter.CreateHistogram("chatkit.store.commit.duration", "s",
        "Time one commit held the database's single writer.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    /// <summary><c>chatkit.store.commit.writes</c>: the writes one commit of a single-writer database took together (group commit).</summary>
    public static Histogram<int> StoreCommitWrites { get; } = Meter.CreateHistogram("chatkit.store.commit.writes", "{write}",
        "Writes committed together in one transaction.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    /// <summary>
    /// <c>chatkit.store.checkpoint.duration</c>: seconds one WAL checkpoint of a SQLite file took, run in the background by
    /// the store's own connection (not inside a commit), tagged <see cref="ErrorTag"/> when it failed.
    /// </summary>
    public static Histogram<double> StoreCheckpointDuration { get; } = Meter.CreateHistogram("chatkit.store.checkpoint.duration", "s",
        "Time one background WAL checkpoint of a SQLite file took.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    /// <summary>Starts the span of a store write (<c>chatkit.store {operation}</c>), when anyone listens.</summary>
    public static Activity? StoreWrite(string operation, string? threadId = null)
    {
        var activity = Source.StartActivity("chatkit.store " + operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.operation.name", operation);
            if (threadId is not null) activity.SetTag(ThreadTag, threadId);
        }
        return activity;
    }
}
