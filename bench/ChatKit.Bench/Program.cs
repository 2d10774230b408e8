// The load harness of bench/README.md. Two commands:
//   run --target NAME --url URL --phase streams|events|latency|lists|idle|idle-burst --out results.jsonl [--concurrency 64 (latency)] [--pid PID] [--seconds 10] [--warmup 20] [--idle-streams 5000]
//   report --in results.jsonl        (Markdown tables: every figure, its ratio to the baseline and to the Node peer)
using System.Net;

var command = args.FirstOrDefault();
string Arg(string name, string? fallback = null) =>
    args.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault() ?? fallback ?? throw new ArgumentException($"--{name} is required");

if (command == "report")
{
    Console.Write(Report.Markdown(Results.Read(Arg("in"))));
    return 0;
}
if (command != "run")
{
    Console.Error.WriteLine("usage: ChatKit.Bench run --target NAME --url URL --phase streams|events|latency|lists|idle|idle-burst --out FILE [--pid PID] [--seconds 10] [--warmup 20]\n       ChatKit.Bench report --in FILE");
    return 2;
}

var target = Arg("target");
var phase = Arg("phase");
var seconds = TimeSpan.FromSeconds(double.Parse(Arg("seconds", "10")));
var warmup = TimeSpan.FromSeconds(double.Parse(Arg("warmup", "20")));
var results = new Results(Arg("out"), target);
using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = int.MaxValue,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    AutomaticDecompression = DecompressionMethods.None,
    UseProxy = false,
})
{
    BaseAddress = new Uri(Arg("url")),
    Timeout = TimeSpan.FromMinutes(10),
};
var wire = new ChatKitWire(http);

Console.WriteLine($"{target}: {phase}");
switch (phase)
{
    case "streams":
        await StreamScenarios.ThroughputAsync(wire, results, concurrency: 16, seconds, warmup);
        foreach (var concurrency in new[] { 1, 64, 512 })
            await StreamScenarios.FirstEventAsync(wire, results, concurrency, seconds);
        break;
    case "events": // the throughput figure alone, to watch a server warm up run after run
        await StreamScenarios.ThroughputAsync(wire, results, concurrency: 16, seconds, warmup);
        break;
    case "latency": // time to first event at 64 streams (or --concurrency N) alone, after the warm-up
        await StreamScenarios.WarmUpAsync(wire, warmup);
        await StreamScenarios.FirstEventAsync(wire, results, int.Parse(Arg("concurrency", "64")), seconds);
        break;
    case "lists":
        await ListScenarios.RunAsync(wire, results, threads: 10_000, concurrency: 16, seconds);
        break;
    case "idle":
        await IdleScenario.RunAsync(wire, results, int.Parse(Arg("pid")), int.Parse(Arg("idle-streams", "5000")), openAtOnce: 256, "d.");
        break;
    case "idle-burst":
        var streams = int.Parse(Arg("idle-streams", "5000"));
        await IdleScenario.RunAsync(wire, results, int.Parse(Arg("pid")), streams, openAtOnce: streams, "d_burst.");
        break;
    default:
        throw new ArgumentException($"Unknown phase '{phase}'.");
}
return 0;
