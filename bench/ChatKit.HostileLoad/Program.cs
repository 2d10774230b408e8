// Hostile load (bench/README.md, "Hostile load"): N requests that declare a 10 MiB body and send 1 KiB, and N
// bodies trickled slowly, all at once against one server, in rounds; reports the server's memory growth per round
// and when each connection was answered and closed, against the configured deadline.
//   ChatKit.HostileLoad [--server-dll PATH | --url URL --pid PID] [--deadline 10] [--connections 100] [--rounds 3]
//                       [--declared-bytes 10485760] [--sent-bytes 1024] [--trickle-bytes 256] [--trickle-ms 100] [--out FILE]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

string Arg(string name, string fallback) => args.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault() ?? fallback;
var deadline = double.Parse(Arg("deadline", "10"), CultureInfo.InvariantCulture);
var connections = int.Parse(Arg("connections", "100"));
var declared = long.Parse(Arg("declared-bytes", (10 * 1024 * 1024).ToString()));
var sent = int.Parse(Arg("sent-bytes", "1024"));
var trickle = int.Parse(Arg("trickle-bytes", "256"));
var gap = TimeSpan.FromMilliseconds(double.Parse(Arg("trickle-ms", "100"), CultureInfo.InvariantCulture));
var drain = TimeSpan.FromSeconds(5); // Kestrel reads and drops what a client still sends for at most 5 s after an early answer
var allowed = TimeSpan.FromSeconds(deadline) + drain + TimeSpan.FromSeconds(1.5); // + Kestrel's 1 s heartbeat and some scheduling
var url = Arg("url", "");

using var server = url.Length > 0
    ? ServerUnderTest.Running(new Uri(url), int.Parse(Arg("pid", "0")))
    : await ServerUnderTest.StartAsync(Arg("server-dll", "src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll"), deadline);
Console.WriteLine($"server on port {server.Port}, pid {server.Pid}; deadline {deadline} s");

// Warm-up: normal requests, then the memory at rest. Then the same hostile round several times: the first pays what the
// server grows once for this load (code compiled for the error paths, thread pool threads, GC heap regions), the next
// ones show what holding these connections costs each time, and whether memory keeps growing from round to round.
using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") })
{
    for (var i = 0; i < 20; i++)
    {
        using var list = await http.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{}}""", Encoding.UTF8, "application/json"));
        list.EnsureSuccessStatusCode();
    }
}
var rounds = new List<Round>();
for (var r = 1; r <= int.Parse(Arg("rounds", "3")); r++)
{
    await Task.Delay(2000);
    var before = Median(await SampleAsync(server, 10, TimeSpan.FromMilliseconds(100)));
    var lying = Enumerable.Range(0, connections).Select(_ => new HostileConnection(server.Port, "/chatkit", declared)).ToList();
    var slow = Enumerable.Range(0, connections).Select(_ => new HostileConnection(server.Port, "/chatkit", declared)).ToList();
    var giveUp = allowed + TimeSpan.FromSeconds(30);
    var clock = Stopwatch.StartNew();
    var running = Task.WhenAll(
        lying.Select(c => c.RunAsync(sent, 0, gap, giveUp)).Concat(
        slow.Select(c => c.RunAsync(sent, trickle, gap, giveUp))));
    var peak = before;
    while (!running.IsCompleted)
    {
        peak = Math.Max(peak, server.RssMiB());
        await Task.WhenAny(running, Task.Delay(100));
    }
    await running;
    rounds.Add(new Round(r, before, peak, clock.Elapsed, lying, slow));
}
await Task.Delay(2000);
var after = server.RssMiB();

var report = new StringBuilder();
report.AppendLine($"{connections} lying connections (declare {declared:N0} B, send {sent:N0} B, then nothing) and {connections} slow ones " +
                  $"(declare {declared:N0} B, then {trickle} B every {gap.TotalMilliseconds} ms), all at once; deadline {deadline} s; " +
                  $"a connection counts as closed in time within the deadline + Kestrel's drain (5 s, checked on its 1 s heartbeat) = {allowed.TotalSeconds} s.");
report.AppendLine();
report.AppendLine("| round | RSS at rest | peak | **growth** (goal < 20 MiB) | lying: answered | lying: closed | slow: answered | slow: closed | **all closed in time** |");
report.AppendLine("|---|---|---|---|---|---|---|---|---|");
foreach (var round in rounds)
    report.AppendLine($"| {round.Number} | {round.Before:F1} MiB | {round.Peak:F1} MiB | **{round.Growth:F1} MiB** ({(round.Growth < 20 ? "met" : "not met")}) | " +
                      $"{Answered(round.Lying)} | {Closed(round.Lying)} | {Answered(round.Slow)} | {Closed(round.Slow)} | **{(round.AllClosedWithin(allowed) ? "yes" : "no")}** |");
report.AppendLine();
report.AppendLine($"RSS 2 s after the last round: {after:F1} MiB. Times are seconds from each connection's start, min / median / max. " +
                  "The goal is judged on the last round (the first one also pays the server's one-time growth).");
Console.Write(report);

if (Arg("out", "") is { Length: > 0 } output)
{
    File.AppendAllText(output, JsonSerializer.Serialize(new
    {
        at = DateTime.UtcNow, deadline, connections, declared, sent, trickle, gapMs = gap.TotalMilliseconds, allowedSeconds = allowed.TotalSeconds,
        rounds = rounds.Select(r => new { r.Number, rssBeforeMiB = r.Before, rssPeakMiB = r.Peak, growthMiB = r.Growth, allClosedInTime = r.AllClosedWithin(allowed), lying = Summary(r.Lying), slow = Summary(r.Slow) }),
        rssAfterMiB = after,
    }) + "\n");
}
return rounds.All(r => r.AllClosedWithin(allowed)) && rounds[^1].Growth < 20 ? 0 : 1;

static string Answered(List<HostileConnection> group)
{
    var answered = group.Where(c => c.Status is not null).ToList();
    if (answered.Count == 0) return "none";
    var statuses = string.Join(", ", answered.GroupBy(c => c.Status).Select(g => $"{g.Count()} × {g.Key}"));
    return $"{statuses} after {Spread(answered.Select(c => c.AnsweredAfter!.Value.TotalSeconds))}";
}

static string Closed(List<HostileConnection> group)
{
    var closed = group.Where(c => c.ClosedAfter is not null).ToList();
    var failed = group.Where(c => c.Failure is not null).Select(c => c.Failure).Distinct().ToList();
    var open = group.Where(c => c.ClosedAfter is null && c.Failure is null).ToList();
    return $"{closed.Count} of {group.Count}" + (closed.Count > 0 ? $" after {Spread(closed.Select(c => c.ClosedAfter!.Value.TotalSeconds))}" : "")
        + (failed.Count > 0 ? $"; could not connect: {string.Join("; ", failed)}" : "")
        + (open.Count > 0 ? $"; **{open.Count} still open** when given up ({open.Count(c => c.Status is not null)} answered; each had sent about {open.Select(c => c.BytesSent).Order().ElementAt(open.Count / 2):N0} B)" : "");
}

static string Spread(IEnumerable<double> values)
{
    var seconds = values.Order().ToList();
    return $"{seconds[0]:F1} / {seconds[seconds.Count / 2]:F1} / {seconds[^1]:F1} s";
}

static object Summary(List<HostileConnection> group) => new
{
    answered = group.Count(c => c.Status is not null),
    statuses = group.Where(c => c.Status is not null).GroupBy(c => c.Status!.Value).ToDictionary(g => g.Key.ToString(), g => g.Count()),
    closed = group.Count(c => c.ClosedAfter is not null),
    lastClosedSeconds = group.Max(c => c.ClosedAfter?.TotalSeconds),
};

static async Task<List<double>> SampleAsync(ServerUnderTest server, int count, TimeSpan every)
{
    var samples = new List<double>();
    for (var i = 0; i < count; i++)
    {
        samples.Add(server.RssMiB());
        await Task.Delay(every);
    }
    return samples;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

sealed record Round(int Number, double Before, double Peak, TimeSpan Elapsed, List<HostileConnection> Lying, List<HostileConnection> Slow)
{
    public double Growth => Peak - Before;

    public bool AllClosedWithin(TimeSpan allowed) => Lying.Concat(Slow).All(c => c.ClosedAfter is { } t && t <= allowed);
}
