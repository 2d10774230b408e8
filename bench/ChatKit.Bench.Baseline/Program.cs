// The benchmark's baseline: Kestrel and one request delegate writing the frames ChatKitServer writes
// for the same scripted turn (bench/bench-script.json), with none of the server's work: no parsing
// beyond finding the request type, no store, no engine. Usage: --port 5081 --script bench/bench-script.json
using System.Text;
using System.Text.Json;

var port = int.Parse(Arg("--port") ?? "5081");
var script = JsonDocument.Parse(File.ReadAllText(Arg("--script") ?? throw new ArgumentException("--script PATH is required")))
    .RootElement.GetProperty("turns").EnumerateArray()
    .Select(t => (
        Match: t.GetProperty("match").GetString()!,
        Reply: t.GetProperty("reply").EnumerateArray().Select(c => c.GetString()!).ToArray(),
        DelayMs: t.TryGetProperty("delayMs", out var d) ? d.GetInt32() : 0))
    .Select(t => (Match: Encoding.UTF8.GetBytes(t.Match), t.Reply, t.DelayMs, Deltas: t.Reply.Select(Frames.Delta).ToArray(),
        End: Frames.AnswerEnd(string.Concat(t.Reply), t.Match)))
    .ToArray();

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
var app = builder.Build();

app.Run(async http =>
{
    if (http.Request.Path == "/health")
    {
        await http.Response.WriteAsync("ok");
        return;
    }
    var body = await ReadBodyAsync(http.Request.Body);
    if (Contains(body, "\"threads.list\""u8) || Contains(body, "\"items.list\""u8))
    {
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(Contains(body, "\"threads.list\""u8) ? Frames.ThreadsPage : Frames.ItemsPage);
        return;
    }
    var turn = script.First(t => t.Match.AsSpan().SequenceEqual("*"u8) || Contains(body, t.Match));
    http.Response.ContentType = "text/event-stream";
    http.Response.Headers.CacheControl = "no-cache";
    var output = http.Response.Body;
    var abort = http.RequestAborted;
    try
    {
        if (Contains(body, "\"threads.create\""u8)) await WriteAsync(Frames.ThreadCreated);
        await WriteAsync(Frames.UserMessageDone(Encoding.UTF8.GetString(turn.Match)));
        await WriteAsync(Frames.AnswerStart);
        foreach (var delta in turn.Deltas)
        {
            if (turn.DelayMs > 0) await Task.Delay(turn.DelayMs, abort);
            await WriteAsync(delta);
        }
        await WriteAsync(turn.End);
    }
    catch (OperationCanceledException) when (abort.IsCancellationRequested)
    {
        // The client closed the stream (the idle scenario ends this way); nothing is left to write.
    }

    async Task WriteAsync(byte[] frame)
    {
        await output.WriteAsync(frame, abort);
        await output.FlushAsync(abort);
    }
});
app.Run();

static async Task<byte[]> ReadBodyAsync(Stream body)
{
    using var buffer = new MemoryStream();
    await body.CopyToAsync(buffer);
    return buffer.ToArray();
}

static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
