using System.Collections.Concurrent;
using System.Diagnostics;

/// <summary>
/// (a) events per second through whole streams with the instant scripted reply (cold, then warm), and
/// (b) time to first event with N streams open (on the warmed server), each conversation five turns long (a new thread, then four messages).
/// </summary>
internal static class StreamScenarios
{
    private const int TurnsPerConversation = 5;

    /// <summary>
    /// Events per second, measured twice: on the fresh server (<c>a.cold_events_per_s</c>, the first
    /// <paramref name="duration"/> of load: what a server that just started does while its JIT and caches
    /// warm up), then again after <paramref name="warmup"/> more of the same load (<c>a.events_per_s</c>,
    /// the steady state a long-running server is in). Every target gets the same load and the same warm-up.
    /// </summary>
    public static async Task ThroughputAsync(ChatKitWire wire, Results results, int concurrency, TimeSpan duration, TimeSpan warmup)
    {
        var (coldEvents, coldTurns, coldElapsed) = await MeasureAsync(wire, concurrency, duration);
        results.Add("a.cold_events_per_s", coldEvents / coldElapsed.TotalSeconds, "events/s");
        if (warmup > TimeSpan.Zero) await RunAsync(wire, concurrency, warmup, "go", _ => { });
        var (events, turns, elapsed) = await MeasureAsync(wire, concurrency, duration);
        results.Add("a.events_per_s", events / elapsed.TotalSeconds, "events/s");
        results.Add("a.turns_per_s", turns / elapsed.TotalSeconds, "turns/s");
        results.Add("a.events_per_turn", (double)events / turns, "events");
    }

    /// <summary>The events phase's load for <paramref name="warmup"/>, measuring nothing.</summary>
    public static Task WarmUpAsync(ChatKitWire wire, TimeSpan warmup) => RunAsync(wire, 16, warmup, "go", _ => { });

    private static async Task<(long Events, long Turns, TimeSpan Elapsed)> MeasureAsync(ChatKitWire wire, int concurrency, TimeSpan duration)
    {
        long events = 0, turns = 0;
        var elapsed = await RunAsync(wire, concurrency, duration, "go", t =>
        {
            Interlocked.Add(ref events, t.Events);
            Interlocked.Increment(ref turns);
        });
        return (events, turns, elapsed);
    }

    public static async Task FirstEventAsync(ChatKitWire wire, Results results, int concurrency, TimeSpan duration)
    {
        await RunAsync(wire, concurrency, TimeSpan.FromSeconds(2), "paced", _ => { });
        var firsts = new ConcurrentBag<double>();
        await RunAsync(wire, concurrency, duration, "paced", t => firsts.Add(t.FirstEventMs));
        var sorted = firsts.Order().ToList();
        results.Add($"b.first_event_p50_ms@{concurrency}", Stats.Percentile(sorted, 0.50), "ms");
        results.Add($"b.first_event_p99_ms@{concurrency}", Stats.Percentile(sorted, 0.99), "ms");
        results.Add($"b.turns@{concurrency}", sorted.Count, "turns");
    }

    /// <summary>
    /// <paramref name="concurrency"/> workers run conversations back to back until the time is up; a turn
    /// that fails stops the run (a benchmark of a failing server measures nothing).
    /// </summary>
    private static async Task<TimeSpan> RunAsync(ChatKitWire wire, int concurrency, TimeSpan duration, string text, Action<ChatKitWire.Turn> done)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            string? thread = null;
            var turnInThread = 0;
            while (clock.Elapsed < duration)
            {
                var turn = await wire.TurnAsync(thread, $"{text} {worker}.{turnInThread}");
                if (turn.Failed) throw new InvalidOperationException($"A turn failed: {turn.Failure}");
                done(turn);
                thread = ++turnInThread == TurnsPerConversation ? null : turn.ThreadId;
                if (thread is null) turnInThread = 0;
            }
        }));
        return clock.Elapsed;
    }
}
