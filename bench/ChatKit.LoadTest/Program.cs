// Drives N concurrent conversations of T streaming turns against a running ChatKit server (or a proxy in front
// of several), then reads every thread back and checks that nothing was lost, duplicated or reordered: each
// thread must hold exactly its questions in order, each followed by one answer. See bench/README.md.
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
var threads = new ConcurrentDictionary<int, string>();
var errors = 0;
var clock = Stopwatch.StartNew();

static string Question(int conversation, int turn) => $"conversation {conversation}, turn {turn}";

await Task.WhenAll(Enumerable.Range(0, conversations).Select(async c =>
{
    string? thread = null;
    for (var t = 0; t < turns; t++)
    {
        try
        {
            var input = ChatKitClient.Text(Question(c, t));
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
                if (ev is ThreadCreatedEvent created) threads[c] = thread = created.Thread.Id;
                if (ev is ErrorEvent error)
                {
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine($"conversation {c} turn {t}: error event {error.Code} {error.Message}");
                }
            }
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref errors);
            Console.Error.WriteLine($"conversation {c} turn {t}: {ex.Message}");
        }
    }
}));
var elapsed = clock.Elapsed;

// Verify: every turn left its question and one answer, in order; nothing twice. A conversation whose thread was
// never created counts all its turns as lost.
long found = 0, lost = 0, duplicated = 0, misplaced = 0;
for (var c = 0; c < conversations; c++)
{
    if (!threads.TryGetValue(c, out var thread))
    {
        lost += turns * 2;
        continue;
    }
    var items = new List<ThreadItem>();
    string? after = null;
    do
    {
        var page = await client.ListItemsAsync(thread, limit: 100, order: SortOrder.Asc, after: after);
        items.AddRange(page.Data);
        after = page.HasMore ? page.After : null;
    } while (after is not null);
    found += items.Count;

    var questions = items.OfType<UserMessageItem>().Select(m => m.Text).ToList();
    for (var t = 0; t < turns; t++)
    {
        var times = questions.Count(q => q == Question(c, t));
        if (times == 0) lost++;
        duplicated += Math.Max(0, times - 1);
    }
    // Each question followed by exactly one answer: count answers missing or extra after each question.
    var answersAfter = -1;
    var outOfOrder = !questions.SequenceEqual(Enumerable.Range(0, turns).Select(t => Question(c, t)));
    foreach (var item in items.Append(null))
    {
        if (item is null or UserMessageItem)
        {
            if (answersAfter == 0) lost++;
            if (answersAfter > 1) duplicated += answersAfter - 1;
            answersAfter = 0;
        }
        else if (item is AssistantMessageItem)
        {
            if (answersAfter < 0) outOfOrder = true; // an answer before any question
            else answersAfter++;
        }
    }
    if (outOfOrder) misplaced++;
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
Console.WriteLine($"check: {threads.Count} threads read back; items lost {lost}, duplicated {duplicated}, threads out of order {misplaced}");
return found == expected && lost == 0 && duplicated == 0 && misplaced == 0 && errors == 0 ? 0 : 1;
