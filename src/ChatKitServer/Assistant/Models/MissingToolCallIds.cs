using ChatKit.AspNetCore;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json.Nodes;
using ChatKitServer.Hosting;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// Gives an id to a streamed tool call that comes without one. Some OpenAI-compatible servers (local
/// models) leave <c>id</c> out of <c>tool_calls</c>; the OpenAI adapter of Microsoft.Extensions.AI then
/// throws on every such answer, so the user's retry fails the same way. Added to the pipeline of a
/// compatible endpoint only (OpenAI and Azure always send ids). Only the server-sent lines that mention
/// <c>tool_calls</c> are parsed; every other byte passes through as it came.
/// </summary>
public sealed class MissingToolCallIds : PipelinePolicy
{
    /// <inheritdoc />
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Fill(message);
    }

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Fill(message);
    }

    private static void Fill(PipelineMessage message)
    {
        if (message.Response is { ContentStream: { } body } response
            && response.Headers.TryGetValue("Content-Type", out var type)
            && type?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
            response.ContentStream = new Lines(body);
    }

    /// <summary>The response body, read line by line; a <c>data:</c> line with a tool call lacking an id gets one.</summary>
    internal sealed class Lines(Stream inner) : ReadOnlyStream(inner)
    {
        private static readonly byte[] Marker = "\"tool_calls\""u8.ToArray();
        private readonly byte[] _read = new byte[16 * 1024];
        private readonly MemoryStream _partial = new();
        private byte[] _ready = [];
        private int _readyAt;
        private readonly HashSet<(int Choice, int Call)> _named = [];

        public override int Read(Span<byte> buffer)
        {
            while (_readyAt == _ready.Length)
            {
                var n = Inner.Read(_read);
                if (!Take(n)) return 0;
            }
            return Serve(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_readyAt == _ready.Length)
            {
                var n = await Inner.ReadAsync(_read, cancellationToken).ConfigureAwait(false);
                if (!Take(n)) return 0;
            }
            return Serve(buffer.Span);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        private int Serve(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _ready.Length - _readyAt);
            _ready.AsSpan(_readyAt, n).CopyTo(buffer);
            _readyAt += n;
            return n;
        }

        /// <summary>Takes <paramref name="n"/> bytes read: whole lines become ready; false at the end with nothing left.</summary>
        private bool Take(int n)
        {
            if (n == 0)
            {
                if (_partial.Length == 0) return false;
                var last = _partial.ToArray(); // the last line, without its newline
                _partial.SetLength(0);
                Ready(Filtered(last));
                return true;
            }
            var chunk = _read.AsSpan(0, n);
            var end = chunk.LastIndexOf((byte)'\n');
            if (end < 0)
            {
                _partial.Write(chunk);
                return true;
            }
            _partial.Write(chunk[..(end + 1)]);
            var lines = _partial.ToArray();
            _partial.SetLength(0);
            _partial.Write(chunk[(end + 1)..]);
            Ready(Filtered(lines));
            return true;
        }

        private byte[] Filtered(byte[] lines) => lines.AsSpan().IndexOf(Marker) < 0 ? lines : Rewrite(lines);

        private void Ready(byte[] bytes)
        {
            _ready = bytes;
            _readyAt = 0;
        }

        private byte[] Rewrite(byte[] lines)
        {
            var text = Encoding.UTF8.GetString(lines);
            var output = new StringBuilder(text.Length + 64);
            foreach (var line in text.Split('\n'))
            {
                if (output.Length > 0) output.Append('\n');
                output.Append(line.Contains("\"tool_calls\"", StringComparison.Ordinal) && line.StartsWith("data:", StringComparison.Ordinal)
                    ? WithIds(line)
                    : line);
            }
            return Encoding.UTF8.GetBytes(output.ToString());
        }

        private string WithIds(string line)
        {
            JsonNode? chunk;
            try
            {
                chunk = JsonNode.Parse(line.AsSpan(5).Trim().ToString());
            }
            catch (System.Text.Json.JsonException)
            {
                return line; // not JSON: the SDK reports it as it would have
            }
            if (chunk?["choices"] is not JsonArray choices) return line;
            var changed = false;
            foreach (var choice in choices.OfType<JsonObject>())
            {
                var choiceIndex = (int?)(choice["index"] as JsonValue) ?? 0;
                if (choice["delta"]?["tool_calls"] is not JsonArray calls) continue;
                foreach (var call in calls.OfType<JsonObject>())
                {
                    var key = (choiceIndex, (int?)(call["index"] as JsonValue) ?? 0);
                    if (call["id"] is JsonValue id && id.TryGetValue<string>(out var given) && given.Length > 0)
                    {
                        _named.Add(key);
                        continue;
                    }
                    if (!_named.Add(key)) continue; // a later piece of a call already named
                    call["id"] = "call_" + Guid.NewGuid().ToString("N");
                    changed = true;
                }
            }
            return changed ? "data: " + chunk.ToJsonString() : line;
        }
    }
}
