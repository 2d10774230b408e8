using System.Net;
using System.Text;
using ChatKit;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>Disconnects, keep-alives and concurrency through the real pipeline.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class StreamLifecycleTests(TestDatabase database)
{
    [Test]
    public async Task A_client_that_disconnects_mid_stream_leaves_a_saved_partial_message_and_the_next_request_works()
    {
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, database: database);
        using var client = factory.CreateChatKitClient();
        var threadId = (await client.StreamAsync(Create("first"))).ThreadId;
        responder.Script = (t, _, ct) => TestResponder.SlowThenHang(t, ["Partial ", "answer"], TimeSpan.FromMilliseconds(20), ct);

        await client.HangUpAfterAsync(AddMessage(threadId, "second"), "answer");

        await responder.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var texts = await Eventually.WaitForAsync(async () =>
        {
            var items = await client.JsonAsync(Request("items.list", new() { ["thread_id"] = threadId, ["order"] = "asc" }));
            var list = items["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>() == "assistant_message" ? i["content"]![0]!["text"]!.GetValue<string>() : "user").ToList();
            return list.Count == 4 ? list : null;
        }, "the server to save the cancelled turn");
        texts[3].Should().Be("Partial answer");

        responder.Script = (t, input, _) => TestResponder.Text(t, "fine again");
        var next = await client.StreamAsync(AddMessage(threadId, "third"));
        next.AssistantText.Should().Be("fine again ");
    }

    [Test]
    public async Task A_quiet_responder_gets_keep_alive_comments()
    {
        var responder = new TestResponder { Script = (t, _, ct) => Quiet(t, ct) };
        using var factory = ServerFactory.WithResponder(responder, new() { ["ChatKit:KeepAliveSeconds"] = "0.1" }, database: database);
        using var client = factory.CreateChatKitClient();

        using var response = await client.PostAsync(Create("wait"));
        var raw = await response.Content.ReadAsStringAsync();

        raw.Should().Contain(": keep-alive\n\n");
        raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(f => f.StartsWith("data: ") || f == ": keep-alive");

        static async IAsyncEnumerable<ThreadStreamEvent> Quiet(ThreadMetadata t, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Delay(450, ct);
            await foreach (var ev in TestResponder.Text(t, "done")) yield return ev;
        }
    }

    [Test]
    public async Task Fifty_concurrent_streams_on_one_thread_lose_nothing_and_never_interleave()
    {
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, database: database);
        using var client = factory.CreateChatKitClient();
        var threadId = (await client.StreamAsync(Create("start"))).ThreadId;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.StreamAsync(AddMessage(threadId, "m" + i))));

        var texts = new List<string>();
        string? after = null;
        do
        {
            var page = await client.JsonAsync(Request("items.list", new() { ["thread_id"] = threadId, ["order"] = "asc", ["limit"] = 100, ["after"] = after }));
            texts.AddRange(page["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>() == "user_message"
                ? "u:" + i["content"]![0]!["text"]!.GetValue<string>()
                : "a:" + i["content"]![0]!["text"]!.GetValue<string>()));
            after = page["has_more"]!.GetValue<bool>() ? page["after"]!.GetValue<string>() : null;
        } while (after is not null);

        texts.Should().HaveCount(102);
        for (var i = 0; i < texts.Count; i += 2)
            texts[i + 1].Should().Be("a:echo: " + texts[i][2..] + " ", "each answer follows its own question");
        texts.Where(t => t.StartsWith("u:m")).Should().OnlyHaveUniqueItems().And.HaveCount(50);
    }

    [Test]
    public async Task Fifty_concurrent_new_threads_are_all_saved()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), database: database);
        using var client = factory.CreateChatKitClient();

        var streams = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.StreamAsync(Create("t" + i))));

        var list = await client.JsonAsync(Request("threads.list", new() { ["limit"] = 100 }));
        list["data"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).Should().BeEquivalentTo(streams.Select(s => s.ThreadId));
        foreach (var s in streams.Take(5))
        {
            var thread = await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = s.ThreadId }));
            thread["items"]!["data"]!.AsArray().Should().HaveCount(2);
        }
    }
}
