using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatKit;
using ChatKit.Json;

namespace ChatKitServer.Tests.Support;

/// <summary>What a client sees on the wire: requests as raw bodies, and pages, threads, frames and times exactly as the server wrote them.</summary>
public static partial class Wire
{
    /// <summary>A request as the body of a raw <c>POST /chatkit</c> (for tests of the HTTP layer itself).</summary>
    public static StringContent Body(ChatKitRequest request) => new(ChatKitJson.Serialize(request), Encoding.UTF8, "application/json");

    /// <summary>The visible items of a turn, in the order in which the client first saw each one (<c>thread.item.added</c> or <c>.done</c>).</summary>
    public static List<string> FirstAppearance(ChatKitTurn turn) =>
        turn.Events.Select(e => e switch { ThreadItemAddedEvent a => a.Item.Id, ThreadItemDoneEvent d => d.Item.Id, _ => null }).OfType<string>().Distinct().ToList();

    /// <summary>Each item's <c>created_at</c> as the stream wrote it, by item id (every frame of an item must agree); the turn must be collected from frames.</summary>
    public static Dictionary<string, string> CreatedAtById(ChatKitTurn turn)
    {
        turn.Frames.Should().NotBeEmpty("the times as written are in the frames: collect the turn from StreamFramesAsync");
        var times = new Dictionary<string, string>();
        foreach (var item in ItemFrames(turn.Frames))
        {
            var id = (string)item["id"]!;
            var at = (string)item["created_at"]!;
            if (times.TryGetValue(id, out var earlier)) at.Should().Be(earlier, $"every event of {id} carries the same created_at");
            times[id] = at;
        }
        return times;
    }

    /// <summary>One page of <c>items.list</c> as written (to check the wire: a property left out, a time as written).</summary>
    public static async Task<JsonNode> ItemsPageAsync(ChatKitClient client, string threadId, SortOrder order = SortOrder.Asc, int limit = 100, string? after = null) =>
        JsonNode.Parse(await client.SendRawAsync(new ItemsListRequest { Params = new() { ThreadId = threadId, Order = order, Limit = limit, After = after } }))!;

    /// <summary>A thread as <c>threads.get_by_id</c> writes it.</summary>
    public static async Task<JsonNode> ThreadAsync(ChatKitClient client, string threadId) =>
        JsonNode.Parse(await client.SendRawAsync(new ThreadsGetByIdRequest { Params = new() { ThreadId = threadId } }))!;

    /// <summary>A page of <c>threads.list</c> as written.</summary>
    public static async Task<JsonNode> ThreadsPageAsync(ChatKitClient client, int? limit = null, SortOrder order = SortOrder.Desc, string? after = null) =>
        JsonNode.Parse(await client.SendRawAsync(new ThreadsListRequest { Params = new() { Limit = limit, Order = order, After = after } }))!;

    private static IEnumerable<JsonNode> ItemFrames(IEnumerable<string> frames) =>
        frames.Select(f => JsonNode.Parse(f)!)
            .Where(e => (string)e["type"]! is "thread.item.added" or "thread.item.done")
            .Select(e => e["item"]!);

    /// <summary>Every <c>created_at</c> value in a JSON text, as written.</summary>
    public static List<string> CreatedAts(string json) => CreatedAtPattern().Matches(json).Select(m => m.Groups[1].Value).ToList();

    /// <summary>How many digits a written time has after the seconds' decimal point.</summary>
    public static int FractionalDigits(string time) => FractionPattern().Match(time) is { Success: true } m ? m.Groups[1].Length : 0;

    /// <summary>The ids of a page's (or a thread's <c>items</c> page's) records, as written.</summary>
    public static List<string> Ids(JsonNode page) => page["data"]!.AsArray().Select(i => (string)i!["id"]!).ToList();

    [GeneratedRegex("\"created_at\":\"([^\"]+)\"")]
    private static partial Regex CreatedAtPattern();

    [GeneratedRegex(@":\d{2}\.(\d+)")]
    private static partial Regex FractionPattern();
}
