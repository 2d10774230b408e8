using System.Diagnostics;

/// <summary>
/// (d) Memory per open idle stream: the server's resident memory before and after opening N streams
/// whose scripted reply waits an hour after <c>stream_options</c>, divided by N. Streams are opened
/// <c>openAtOnce</c> at a time: 256 for the steady cost of holding streams ("d."), or all N at the
/// same instant ("d_burst."), where the figure also holds what the server kept from the burst.
/// </summary>
internal static class IdleScenario
{
    public static async Task RunAsync(ChatKitWire wire, Results results, int pid, int streams, int openAtOnce, string prefix)
    {
        // Warm up every code path the idle streams use, then let the server settle.
        for (var i = 0; i < 64; i++) await wire.TurnAsync(null, "go");
        using (var warm = new CancellationTokenSource())
        {
            var opened = Enumerable.Range(0, 64).Select(_ => OpenAsync(wire, warm.Token)).ToList();
            await Task.WhenAll(opened.Select(o => o.Ready));
            await warm.CancelAsync();
            await Task.WhenAll(opened.Select(o => o.Done));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = ProcessMemory.RssKiB(pid);

        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var open = new List<(Task Ready, Task Done)>(streams);
        for (var i = 0; i < streams; i++)
        {
            if (i >= openAtOnce) await open[i - openAtOnce].Ready.WaitAsync(TimeSpan.FromMinutes(5));
            open.Add(OpenAsync(wire, stop.Token));
        }
        await Task.WhenAll(open.Select(o => o.Ready)).WaitAsync(TimeSpan.FromMinutes(5));
        var openedIn = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(5));
        var during = ProcessMemory.RssKiB(pid);
        var stillOpen = open.Count(o => !o.Done.IsCompleted);

        // While they are all open, is a normal turn still quick?
        var probe = await wire.TurnAsync(null, "paced");

        await stop.CancelAsync();
        await Task.WhenAll(open.Select(o => o.Done));
        results.Add(prefix + "open_streams", stillOpen, "streams");
        results.Add(prefix + "seconds_to_open_all", openedIn.TotalSeconds, "s");
        results.Add(prefix + "rss_before_mib", before / 1024.0, "MiB");
        results.Add(prefix + "rss_with_idle_mib", during / 1024.0, "MiB");
        results.Add(prefix + "kib_per_idle_stream", (during - before) / (double)streams, "KiB");
        results.Add(prefix + "first_event_ms_while_idle_open", probe.FirstEventMs, "ms");
        if (stillOpen != streams) throw new InvalidOperationException($"{streams - stillOpen} idle streams ended early.");
    }

    /// <summary>Opens one idle stream: Ready once <c>stream_options</c> has arrived, Done when it is closed.</summary>
    private static (Task Ready, Task Done) OpenAsync(ChatKitWire wire, CancellationToken stop)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = Task.Run(async () =>
        {
            try
            {
                var turn = await wire.TurnAsync(null, "idle", type =>
                {
                    if (type == "stream_options") ready.TrySetResult();
                    return false;
                }, stop);
                ready.TrySetException(new InvalidOperationException($"An idle stream ended by itself: {turn.Failure ?? "no failure"}"));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                ready.TrySetCanceled(stop); // closed by the harness: the expected end
            }
        });
        return (ready.Task, done);
    }
}
