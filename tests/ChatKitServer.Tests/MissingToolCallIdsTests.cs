using System.Text;
using System.Text.Json.Nodes;
using ChatKitServer.Assistant.Models;

namespace ChatKitServer.Tests;

/// <summary>The body filter that names tool calls a compatible server streamed without an id (the HTTP path is in ModelResponderTests).</summary>
public class MissingToolCallIdsTests
{
    /// <summary>A body that arrives a few bytes at a time, as a slow network gives it.</summary>
    private sealed class Trickle(byte[] bytes, int step) : MemoryStream(bytes)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(step, buffer.Length)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));
    }

    private static async Task<string> FilteredAsync(string body, int step)
    {
        await using var lines = new MissingToolCallIds.Lines(new Trickle(Encoding.UTF8.GetBytes(body), step));
        using var reader = new StreamReader(lines);
        return await reader.ReadToEndAsync();
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    public async Task A_call_without_an_id_gets_one_once_and_every_other_line_passes_unchanged(int step)
    {
        const string text = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"héllo\"}}]}\r\n\r\n";
        const string named = "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_given\",\"function\":{\"name\":\"b\",\"arguments\":\"\"}}]}}]}\n\n";
        var body = text
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"type\":\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n"
            + named + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":2,\"function\":{\"name\":\"c\"}}]}}]}";

        var output = await FilteredAsync(body, step);

        output.Should().StartWith(text).And.Contain(named).And.EndWith("}");
        var calls = output.Split('\n').Where(l => l.Contains("tool_calls") && !l.Contains("call_given"))
            .Select(l => JsonNode.Parse(l[5..])!["choices"]![0]!["delta"]!["tool_calls"]![0]!).ToList();
        calls.Should().HaveCount(3);
        ((string)calls[2]["id"]!).Should().StartWith("call_", "the last line, without a newline, is read too");
        ((string)calls[0]["id"]!).Should().StartWith("call_");
        calls[1]["id"].Should().BeNull("only the first piece of a call needs its id");
        ((string)calls[1]["function"]!["arguments"]!).Should().Be("{}");
    }

    [Test]
    public async Task A_body_without_tool_calls_is_returned_byte_for_byte()
    {
        var body = string.Concat(Enumerable.Range(0, 500).Select(i => $"data: {{\"choices\":[{{\"delta\":{{\"content\":\"{i} ü\"}}}}]}}\n\n")) + ": comment\ndata: not json\n";

        (await FilteredAsync(body, 333)).Should().Be(body);
    }
}
