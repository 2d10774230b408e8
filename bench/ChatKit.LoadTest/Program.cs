// Drives N concurrent conversations of T streaming turns against a running ChatKit server (or a proxy in front
// of several), then reads every thread back and checks that nothing was lost, duplicated or reordered: each
// thread must hold exactly its questions in order, each followed by one answer, and no thread may exist that
// no conversation knows of. With --retries N, a turn that failed (an error event, a cut stream, a 502 from a
// proxy while an instance restarts) is recovered as a careful client would: it reads the thread back and
// sends the message again only if it is not there, or asks for the answer again (threads.retry_after_item)
// if the message is there without one. See bench/README.md.
using System.Collections.Concurrent;
using System.Diagnostics;
using ChatKit;
using ChatKit.Client;

var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a[2..], p => args.ElementAtOrDefault(p.i + 1) ?? "");
var url = options.GetValueOrDefault("url", "http://127.0.0.1:5080");
var conversations = int.Parse(options.GetValueOrDefault("conversations", "500"));
var turns = int.Parse(options.GetValueOrDefault("turns", "5"));
var serverPid = options.TryGetValue("server-pid", out var pid) ? int.Parse(pid) : (int?)null;
var retries = int.Parse(options.GetValueOrDefault("retries", "0"));
var run = Guid.NewGuid().ToString("n")[..8]; // marks this run's messages, to tell its threads from others on the server

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = conversations + 16, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri(url),
    Timeout = TimeSpan.FromMinutes(10),
};
var client = new ChatKitClient(http);
var firstEvent = new ConcurrentBag<double>();
var threads = new ConcurrentDictionary<int, string>();
var errors = 0;
var recovered = 0;
var clock = Stopwatch.StartNew();

string Question(int conversation, int turn) => $"run {run}: conversation {conversation}, turn {turn}";

async Task<List<ThreadItem>> ItemsAsync(string thread)
{
    var items = new List<ThreadItem>();
    await foreach (var item in client.GetAllItemsAsync(thread, SortOrder.Asc, pageSize: 100)) items.Add(item);
    return items;
}

// One streaming request read to its end; false when it failed (error event, cut stream, HTTP error).
async Task<bool> StreamAsync(int c, int t, IAsyncEnumerable<ThreadStreamEvent> stream, Action<string> created, bool measure)
{
    try
    {
        var started = Stopwatch.GetTimestamp();
        var first = true;
        var failed = false;
        await foreach (var ev in stream)
        {
            if (first && measure)
            {
                firstEvent.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                first = false;
            }
            if (ev is ThreadCreatedEvent thread) created(thread.Thread.Id);
            if (ev is ErrorEvent error)
            {
                failed = true;
                Console.Error.WriteLine($"conversation {c} turn {t}: error event {error.Code} {error.Message} (retry allowed: {error.AllowRetry})");
            }
        }
        return !failed;
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"conversation {c} turn {t}: {ex.Message.Split('\n')[0]}");
        return false;
    }
}

// A failed turn, recovered from what the thread holds now.
async Task<bool> RecoverAsync(int c, int t, string? thread, Action<string> created)
{
    for (var attempt = 1; attempt <= retries; attempt++)
    {
        await Task.Delay(TimeSpan.FromSeconds(attempt));
        try
        {
            if (thread is null) // thread.created never arrived: nothing is known to exist
            {
                if (await StreamAsync(c, t, client.CreateThreadAsync(ChatKitClient.Text(Question(c, t))), id => created(thread = id), measure: false)) return true;
                continue;
            }
            var items = await ItemsAsync(thread);
            var index = items.FindIndex(i => i is UserMessageItem m && m.Text == Question(c, t));
            var stream = index < 0
                ? client.AddUserMessageAsync(thread, ChatKitClient.Text(Question(c, t)))
                : index + 1 < items.Count && items[index + 1] is AssistantMessageItem
                    ? null // answered after all
                    : client.RetryAfterItemAsync(thread, items[index].Id);
            Console.Error.WriteLine($"conversation {c} turn {t}, recovery {attempt}: " +
                (index < 0 ? "the message is not there: sent again" : stream is null ? "answered after all" : $"the message is there unanswered: retry after {items[index].Id}"));
            if (stream is null || await StreamAsync(c, t, stream, created, measure: false)) return true;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"conversation {c} turn {t}, recovery {attempt}: {ex.Message.Split('\n')[0]}");
        }
    }
    return false;
}

await Task.WhenAll(Enumerable.Range(0, conversations).Select(async c =>
{
    string? thread = null;
    void Created(string id) => threads[c] = thread = id;
    for (var t = 0; t < turns; t++)
    {
        var input = ChatKitClient.Text(Question(c, t));
        var stream = thread is null ? client.CreateThreadAsync(input) : client.AddUserMessageAsync(thread, input);
        if (await StreamAsync(c, t, stream, Created, measure: true)) continue;
        Interlocked.Increment(ref errors);
        if (await RecoverAsync(c, t, thread, Created)) Interlocked.Increment(ref recovered);
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
    var items = await ItemsAsync(thread);
    found += items.Count;

    var questions = items.OfType<UserMessageItem>().Select(m => m.Text).ToList();
    var (lostBefore, duplicatedBefore) = (lost, duplicated);
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
    if (outOfOrder || lost > lostBefore || duplicated > duplicatedBefore)
        Console.Error.WriteLine($"check: conversation {c}, thread {thread}: " + string.Join(" | ", items.Select(i => i switch
        {
            UserMessageItem m => "user: " + m.Text,
            AssistantMessageItem a => $"assistant {a.Id}: " + string.Concat(a.Content.Select(p => p.Text)),
            _ => i.GetType().Name,
        })));
}
// Threads of this run that no conversation knows of (a creation whose answer was lost, then sent again).
var known = threads.Values.ToHashSet();
var stray = 0;
await foreach (var other in client.GetAllThreadsAsync(SortOrder.Asc, pageSize: 100))
{
    if (known.Contains(other.Id)) continue;
    var firstItem = (await client.ListItemsAsync(other.Id, limit: 1, order: SortOrder.Asc)).Data.FirstOrDefault();
    if (firstItem is UserMessageItem m && m.Text.StartsWith($"run {run}: ", StringComparison.Ordinal)) stray++;
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
Console.WriteLine($"check: {threads.Count} threads read back; items lost {lost}, duplicated {duplicated}, threads out of order {misplaced}, stray threads {stray}; " +
    $"failed turns {errors}, recovered {recovered} (retries: {retries})");
var clean = found == expected && lost == 0 && duplicated == 0 && misplaced == 0 && stray == 0;
return clean && errors - recovered == 0 && (retries > 0 || errors == 0) ? 0 : 1;
