using System.Diagnostics;
using System.Text.Json;

/// <summary>(c) <c>threads.list</c> and <c>items.list</c> requests per second with 10,000 threads in the store.</summary>
internal static class ListScenarios
{
    public static async Task RunAsync(ChatKitWire wire, Results results, int threads, int concurrency, TimeSpan duration)
    {
        // Seeding goes through the same HTTP path as any client: one short turn per thread.
        var clock = Stopwatch.StartNew();
        var next = 0;
        string? lastThread = null;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= threads)
            {
                var turn = await wire.TurnAsync(null, "seed");
                if (turn.Failed) throw new InvalidOperationException($"Seeding failed: {turn.Failure}");
                lastThread = turn.ThreadId;
            }
        }));
        results.Add("c.seed_threads_per_s", threads / clock.Elapsed.TotalSeconds, "threads/s");
        // One thread gets 30 more turns, so items.list reads a page of 20 out of 62 items.
        for (var i = 0; i < 30; i++)
            if ((await wire.TurnAsync(lastThread, "seed")).Failed) throw new InvalidOperationException("Seeding the long thread failed.");

        var threadsList = """{"type":"threads.list","params":{"limit":20,"order":"desc"}}""";
        var itemsList = """{"type":"items.list","params":{"thread_id":""" + JsonSerializer.Serialize(lastThread) + ""","limit":20,"order":"desc"}}""";
        await CheckPageAsync(wire, threadsList);
        await CheckPageAsync(wire, itemsList);
        results.Add("c.threads_list_rps", await RequestsPerSecondAsync(wire, threadsList, concurrency, duration), "req/s");
        results.Add("c.items_list_rps", await RequestsPerSecondAsync(wire, itemsList, concurrency, duration), "req/s");
    }

    private static async Task CheckPageAsync(ChatKitWire wire, string body)
    {
        var (status, page) = await wire.RequestAsync(body);
        using var doc = JsonDocument.Parse(page);
        var count = status == 200 ? doc.RootElement.GetProperty("data").GetArrayLength() : -1;
        if (count != 20) throw new InvalidOperationException($"Expected a page of 20, got HTTP {status}: {System.Text.Encoding.UTF8.GetString(page)[..Math.Min(300, page.Length)]}");
    }

    private static async Task<double> RequestsPerSecondAsync(ChatKitWire wire, string body, int concurrency, TimeSpan duration)
    {
        async Task<long> Loop(TimeSpan length)
        {
            var clock = Stopwatch.StartNew();
            var counts = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                long n = 0;
                while (clock.Elapsed < length)
                {
                    var (status, page) = await wire.RequestAsync(body);
                    if (status != 200 || page.Length < 100) throw new InvalidOperationException($"HTTP {status} during the list run.");
                    n++;
                }
                return n;
            }));
            return counts.Sum();
        }
        await Loop(TimeSpan.FromSeconds(2));
        var watch = Stopwatch.StartNew();
        var total = await Loop(duration);
        return total / watch.Elapsed.TotalSeconds;
    }
}
