using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

/// <summary>
/// The harness's client: sends ChatKit requests and reads SSE frames with as little work as possible
/// (frames are counted and only their <c>type</c> is looked at), so the client's cost stays small and
/// the same for every target.
/// </summary>
internal sealed class ChatKitWire(HttpClient http)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public sealed record Turn(double FirstEventMs, int Events, bool Failed, string? ThreadId, string? Failure);

    /// <summary>One streamed turn: a new thread when <paramref name="threadId"/> is null, else a new message in it.</summary>
    public async Task<Turn> TurnAsync(string? threadId, string text, Func<string, bool>? stopAfter = null, CancellationToken ct = default)
    {
        var input = """{"content":[{"type":"input_text","text":""" + JsonSerializer.Serialize(text) + """}],"attachments":[],"inference_options":{}}""";
        var body = threadId is null
            ? """{"type":"threads.create","params":{"input":""" + input + "}}"
            : """{"type":"threads.add_user_message","params":{"thread_id":""" + JsonSerializer.Serialize(threadId) + ""","input":""" + input + "}}";
        var started = Stopwatch.GetTimestamp();
        using var request = Post(body);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            return new Turn(double.NaN, 0, true, threadId, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var reader = new FrameReader(stream);
        double first = double.NaN;
        var events = 0;
        string? failure = null;
        while (await reader.NextAsync(ct) is { } frame)
        {
            if (events++ == 0) first = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var type = TypeOf(frame.Span);
            if (type == "thread.created") threadId ??= ThreadIdOf(frame);
            if (type == "error") failure = Encoding.UTF8.GetString(frame.Span);
            if (stopAfter?.Invoke(type) == true) break;
        }
        return new Turn(first, events, failure is not null || events == 0, threadId, failure ?? (events == 0 ? "empty stream" : null));
    }

    /// <summary>A JSON request; returns the status code and the body's length (the body is read whole).</summary>
    public async Task<(int Status, byte[] Body)> RequestAsync(string body, CancellationToken ct = default)
    {
        using var request = Post(body);
        using var response = await http.SendAsync(request, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct));
    }

    private static HttpRequestMessage Post(string body) => new(HttpMethod.Post, "/chatkit")
    {
        Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = Json } },
    };

    /// <summary>The event type of a <c>data: {"type":"…"</c> frame (every target writes <c>type</c> first).</summary>
    private static string TypeOf(ReadOnlySpan<byte> frame)
    {
        var marker = "\"type\":\""u8;
        var at = frame.IndexOf(marker);
        if (at < 0) return "";
        var rest = frame[(at + marker.Length)..];
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? "" : Encoding.UTF8.GetString(rest[..end]);
    }

    private static string? ThreadIdOf(ReadOnlyMemory<byte> frame)
    {
        using var doc = JsonDocument.Parse(frame[(frame.Span.IndexOf((byte)'{'))..]);
        return doc.RootElement.GetProperty("thread").GetProperty("id").GetString();
    }
}

/// <summary>Splits an SSE body into <c>data:</c> frames at blank lines; comments (keep-alives) are skipped.</summary>
internal sealed class FrameReader(Stream stream)
{
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    public async Task<ReadOnlyMemory<byte>?> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            var boundary = _buffer.AsSpan(_start, _end - _start).IndexOf("\n\n"u8);
            if (boundary >= 0)
            {
                var frame = _buffer.AsMemory(_start, boundary);
                _start += boundary + 2;
                if (frame.Span.StartsWith("data:"u8)) return frame;
                continue;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0) return null;
            _end += read;
        }
    }
}
