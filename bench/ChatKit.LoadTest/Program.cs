// Drives N concurrent conversations of T streaming turns against a running ChatKit server, then
// checks that nothing was lost (visible items in the store = 2 per turn). See bench/README.md.
using System.Collections.Concurrent;
using System.Diagnostics;
using ChatKit;
using ChatKit.Client;

var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a[2..], p => args.ElementAtOrDefault(p.i + 1) ?? "");
var url = options.GetValueOrDefault("url", "http://127.0.0.1:5080");
var conversations = int.Parse(options.GetValueOrDefault("conversations", "500"));
var turns = int.Parse(options.GetValueOrDefault("turns", "5"));
var serverPid = options.TryGetValue("server-pid", out var pid) ? int.Parse(pid) : (int?)null;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = conversations + 16, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri(url),
    Timeout = TimeSpan.FromMinutes(10),
};
var client = new ChatKitClient(http);
var firstEvent = new ConcurrentBag<double>();
var threads = new ConcurrentBag<string>();
var errors = 0;
var clock = Stopwatch.StartNew();

await Task.WhenAll(Enumerable.Range(0, conversations).Select(async c =>
{
    string? thread = null;
    for (var t = 0; t < turns; t++)
    {
        try
        {
            var input = ChatKitClient.Text($"conversation {c}, turn {t}");
            var stream = thread is null ? client.CreateThreadAsync(input) : client.AddUserMessageAsync(thread, input);
            var started = Stopwatch.GetTimestamp();
            var first = true;
            await foreach (var ev in stream)
            {
                if (first)
                {
                    firstEvent.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    first = false;
                }
                if (ev is ThreadCreatedEvent created) thread = created.Thread.Id;
                if (ev is ErrorEvent) Interlocked.Increment(ref errors);
            }
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref errors);
            Console.Error.WriteLine($"conversation {c} turn {t}: {ex.Message}");
        }
    }
    if (thread is not null) threads.Add(thread);
}));
var elapsed = clock.Elapsed;

// Verify: every turn left its user message and its answer.
long found = 0;
foreach (var thread in threads)
{
    string? after = null;
    do
    {
        var page = await client.ListItemsAsync(thread, limit: 100, order: SortOrder.Asc, after: after);
        found += page.Data.Count;
        after = page.HasMore ? page.After : null;
    } while (after is not null);
}
var expected = (long)conversations * turns * 2;
var sorted = firstEvent.OrderBy(x => x).ToArray();
double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
string Memory()
{
    if (serverPid is null) return "n/a";
    var status = File.ReadAllLines($"/proc/{serverPid}/status");
    string Field(string name) => status.First(l => l.StartsWith(name)).Split(':')[1].Trim();
    return $"RSS {Field("VmRSS")}, peak {Field("VmHWM")}";
}

Console.WriteLine($"| {DateTime.UtcNow:yyyy-MM-dd} | {conversations} × {turns} | {conversations * turns} | {errors} | {Percentile(0.50):F1} ms | {Percentile(0.99):F1} ms | {elapsed.TotalSeconds:F1} s | {found} / {expected} | {Memory()} |");
return found == expected && errors == 0 ? 0 : 1;
