using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests.Support;

/// <summary>What a client sees on the wire, read from the raw JSON (strings exactly as written).</summary>
public static partial class Wire
{
    /// <summary>The visible items of a stream, in the order in which the client first saw each one (<c>thread.item.added</c> or <c>.done</c>).</summary>
    public static List<string> FirstAppearance(StreamResult stream) => ItemFrames(stream).Select(i => (string)i["id"]!).Distinct().ToList();

    /// <summary>Each item's <c>created_at</c> as the stream wrote it, by item id (every frame of an item must agree).</summary>
    public static Dictionary<string, string> CreatedAtById(StreamResult stream)
    {
        var times = new Dictionary<string, string>();
        foreach (var item in ItemFrames(stream))
        {
            var id = (string)item["id"]!;
            var at = (string)item["created_at"]!;
            if (times.TryGetValue(id, out var earlier)) at.Should().Be(earlier, $"every event of {id} carries the same created_at");
            times[id] = at;
        }
        return times;
    }

    private static IEnumerable<JsonNode> ItemFrames(StreamResult stream) =>
        stream.Frames.Select(f => JsonNode.Parse(f)!)
            .Where(e => (string)e["type"]! is "thread.item.added" or "thread.item.done")
            .Select(e => e["item"]!);

    /// <summary>Every <c>created_at</c> value in a JSON text, as written.</summary>
    public static List<string> CreatedAts(string json) => CreatedAtPattern().Matches(json).Select(m => m.Groups[1].Value).ToList();

    /// <summary>How many digits a written time has after the seconds' decimal point.</summary>
    public static int FractionalDigits(string time) => FractionPattern().Match(time) is { Success: true } m ? m.Groups[1].Length : 0;

    /// <summary>One page of <c>items.list</c>.</summary>
    public static Task<JsonNode> ItemsPageAsync(ChatKitTestClient client, string threadId, string order = "asc", int limit = 100, string? after = null) =>
        client.JsonAsync(Request("items.list", new() { ["thread_id"] = threadId, ["order"] = order, ["limit"] = limit, ["after"] = after }));

    /// <summary>The ids of a page's (or a thread's <c>items</c> page's) records.</summary>
    public static List<string> Ids(JsonNode page) => page["data"]!.AsArray().Select(i => (string)i!["id"]!).ToList();

    /// <summary>The ids of a thread's items as <c>threads.get_by_id</c> shows them.</summary>
    public static async Task<List<string>> GetByIdItemIdsAsync(ChatKitTestClient client, string threadId) =>
        Ids((await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = threadId })))["items"]!);

    [GeneratedRegex("\"created_at\":\"([^\"]+)\"")]
    private static partial Regex CreatedAtPattern();

    [GeneratedRegex(@":\d{2}\.(\d+)")]
    private static partial Regex FractionPattern();
}
