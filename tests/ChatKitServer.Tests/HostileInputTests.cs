using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit.EntityFrameworkCore;
using ChatKitServer.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// A generated corpus of malformed and hostile requests (every request type with every param wrong,
/// deep nesting, huge strings, invalid unicode, other users' ids, SQL-like strings, bad limits and
/// cursors), over 700 requests sent over HTTP by a user who owns nothing: never a 5xx, never a
/// dropped connection, always a JSON answer (a problem body for every refusal), and the database
/// unchanged.
/// </summary>
public class HostileInputTests
{
    private const string Sql = "'; DROP TABLE chatkit_threads; --";

    [Test]
    public async Task Over_seven_hundred_hostile_requests_never_get_a_5xx_always_get_a_clear_answer_and_change_nothing()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder()); // the kit's host runs without rate limits
        var alice = factory.ClientFor("alice");
        using var mallory = factory.HttpClientFor("mallory");
        var created = await alice.CreateThreadAsync(ChatKitClient.Text("alice's secret")).CollectAsync();
        var thread = created.ThreadId!;
        var item = created.Events.OfType<ChatKit.ThreadItemDoneEvent>().Select(e => e.Item).Last().Id;
        var before = await SnapshotAsync(factory);

        var corpus = Corpus(thread, item).ToList();
        corpus.Count.Should().BeGreaterThanOrEqualTo(700);
        var statuses = new Dictionary<int, int>();
        var succeeded = new List<string>();
        foreach (var (name, body) in corpus)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var response = await PostAsync(mallory, name, content);
            var text = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).Should().BeLessThan(500, $"{name} must not be a server error: {text}");
            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            if (response.IsSuccessStatusCode) succeeded.Add(name);
            if (!response.IsSuccessStatusCode)
            {
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", name);
                JsonNode.Parse(text)!["detail"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace(name);
            }
        }

        string[] deletesOfNoThreadOfTheirs = ["as is", "thread_id=sql", "thread_id=other user's id", "thread_id=lone surrogate", "thread_id=empty"];
        succeeded.Should().OnlyContain(n => n.StartsWith("threads.list") || deletesOfNoThreadOfTheirs.Any(d => n == "threads.delete " + d),
            "only reads of the caller's own (empty) data succeed, and deletes of a thread id the caller does not have, which answer {} like the reference and delete nothing");
        (await SnapshotAsync(factory)).Should().Be(before, "no hostile request changed the database");
        TestContext.Out.WriteLine($"{corpus.Count} requests: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}×{s.Key}")));
    }

    /// <summary>Posts one hostile body; a connection that fails is a failure naming the request.</summary>
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string name, HttpContent content)
    {
        try
        {
            return await client.PostAsync("/chatkit", content);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
        {
            throw new AssertionException($"{name}: the connection failed: {ex.Message}", ex);
        }
    }

    private static IEnumerable<(string Name, byte[] Body)> Corpus(string thread, string item)
    {
        var bad = new (string Name, Func<JsonNode?> Value)[]
        {
            ("missing", () => null), ("null", () => JsonValue.Create((string?)null)), ("number", () => 12345), ("negative", () => -1),
            ("huge number", () => 1e300), ("bool", () => true), ("array", () => new JsonArray(1, 2)), ("object", () => new JsonObject { ["x"] = 1 }),
            ("huge string", () => new string('x', 300_000)), ("sql", () => Sql), ("other user's id", () => thread),
            ("lone surrogate", () => "\ud800bad"), ("deep", () => Deep(80)), ("empty", () => ""),
        };
        var requests = new (string Type, JsonObject Params)[]
        {
            ("threads.get_by_id", new() { ["thread_id"] = thread }),
            ("threads.list", new() { ["limit"] = 10, ["order"] = "desc", ["after"] = thread }),
            ("threads.update", new() { ["thread_id"] = thread, ["title"] = "mine now" }),
            ("threads.delete", new() { ["thread_id"] = thread }),
            ("items.list", new() { ["thread_id"] = thread, ["limit"] = 10, ["order"] = "asc", ["after"] = item }),
            ("items.feedback", new() { ["thread_id"] = thread, ["item_ids"] = new JsonArray(item), ["kind"] = "negative" }),
            ("attachments.create", new() { ["name"] = "a.png", ["size"] = 1_000_000_000_000, ["mime_type"] = "image/png" }),
            ("attachments.delete", new() { ["attachment_id"] = "atc_0000000000000000" }),
            ("input.transcribe", new() { ["audio_base64"] = "AAAA", ["mime_type"] = "audio/webm" }),
            ("threads.add_user_message", new() { ["thread_id"] = thread, ["input"] = new JsonObject
            {
                ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "hijack" }), ["attachments"] = new JsonArray(), ["inference_options"] = new JsonObject(),
            } }),
            ("threads.add_client_tool_output", new() { ["thread_id"] = thread, ["result"] = new JsonObject() }),
            ("threads.add_structured_input", new() { ["thread_id"] = thread, ["item_id"] = item, ["input"] = new JsonObject { ["answers"] = new JsonObject() } }),
            ("threads.retry_after_item", new() { ["thread_id"] = thread, ["item_id"] = item }),
            ("threads.custom_action", new() { ["thread_id"] = thread, ["item_id"] = item, ["action"] = new JsonObject { ["type"] = "x" } }),
            ("threads.sync_custom_action", new() { ["thread_id"] = thread, ["action"] = new JsonObject { ["type"] = "x" } }),
            ("threads.create", new() { ["input"] = new JsonObject { ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "x" }), ["attachments"] = new JsonArray("atc_not_mine_00000000") } }),
        };
        foreach (var (type, parameters) in requests)
        {
            // The request as given (a valid request against records the caller does not own).
            yield return ($"{type} as is", Body(type, parameters.DeepClone()));
            foreach (var path in Paths(parameters))
            {
                foreach (var (badName, value) in bad)
                {
                    // A missing or null attachment list reads as empty (lenient, like other defaults): that message is valid.
                    if (type == "threads.create" && path == "input.attachments" && badName is "missing" or "null") continue;
                    // A plausible size turns the (too large) declared upload into a valid one; true is a size of 1 byte
                    // (integers are read as the reference's pydantic models read them).
                    if (type == "attachments.create" && path == "size" && badName is "number" or "bool") continue;
                    var mutated = (JsonObject)parameters.DeepClone();
                    if (!Set(mutated, path, value())) continue;
                    yield return ($"{type} {path}={badName}", Body(type, mutated));
                }
            }
            yield return ($"{type} params=array", Encoding.UTF8.GetBytes($$"""{"type":"{{type}}","params":[]}"""));
            yield return ($"{type} type last + junk", Encoding.UTF8.GetBytes($$"""{"params":{},"junk":{"a":[1,{"b":null}]},"type":"{{type}}"}"""));
        }
        // Whole bodies that are not requests at all.
        yield return ("invalid utf-8", [0x7B, 0x22, 0x74, 0xC3, 0x28, 0x22, 0x7D]);
        yield return ("bom then garbage", [0xEF, 0xBB, 0xBF, 0x7B, 0x7B]);
        yield return ("deep array", Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)));
        yield return ("deep object in metadata", Encoding.UTF8.GetBytes("""{"type":"threads.list","params":{},"metadata":""" + Deep(200).ToJsonString() + "}"));
        yield return ("number body", "1e999"u8.ToArray());
        yield return ("duplicate type", """{"type":"threads.list","type":"threads.delete","params":{"thread_id":"x"}}"""u8.ToArray());
        yield return ("nul bytes", "{\"type\":\"threads.list\u0000\"}"u8.ToArray());
        yield return ("sql type", Encoding.UTF8.GetBytes("{\"type\":\"" + Sql.Replace("\"", "") + "\",\"params\":{}}"));
        foreach (var size in new[] { 0, 1, 7, 64 })
            yield return ($"random bytes {size}", Enumerable.Range(0, size).Select(i => (byte)(i * 37 % 256)).ToArray());
    }

    private static byte[] Body(string type, JsonNode parameters) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["params"] = parameters }.ToJsonString());

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonObject();
        for (var i = 0; i < depth; i++) node = new JsonObject { ["d"] = node };
        return node;
    }

    /// <summary>Every property path of the params (nested objects and the first array element too).</summary>
    private static IEnumerable<string> Paths(JsonObject parameters, string prefix = "")
    {
        foreach (var (name, value) in parameters)
        {
            var path = prefix + name;
            yield return path;
            if (value is JsonObject o)
                foreach (var inner in Paths(o, path + ".")) yield return inner;
            if (value is JsonArray { Count: > 0 } a && a[0] is JsonObject first)
                foreach (var inner in Paths(first, path + ".0.")) yield return inner;
        }
    }

    private static bool Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        JsonNode? node = root;
        foreach (var part in parts[..^1])
            node = int.TryParse(part, out var index) ? node?.AsArray()[index] : node?[part];
        if (node is not JsonObject parent) return false;
        if (value is null) parent.Remove(parts[^1]);
        else parent[parts[^1]] = value;
        return true;
    }

    private static async Task<string> SnapshotAsync(ServerFactory factory)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        var threads = await db.Threads.OrderBy(t => t.Sequence).Select(t => t.Id + t.Title + t.StatusJson + t.MetadataJson).ToListAsync();
        var items = await db.Items.OrderBy(i => i.Sequence).Select(i => i.Id + i.Json).ToListAsync();
        var other = $"{await db.Attachments.CountAsync()}/{await db.Feedback.CountAsync()}/{await db.Memories.CountAsync()}";
        return string.Join("\n", threads) + "\n--\n" + string.Join("\n", items) + "\n--\n" + other;
    }
}
