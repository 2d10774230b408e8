using ChatKit;
using ChatKitServer.Tests.Support;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>
/// A fact the model asks to remember, or a query it recalls with, holding control characters (NUL among them, which
/// PostgreSQL cannot store): kept as one line without them, on every database, and the turn goes on.
/// </summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class MemoryControlCharacterTests(TestDatabase database)
{
    [Test]
    public async Task A_fact_with_a_nul_is_saved_without_it_and_recalled()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        using var factory = new ServerFactory(upstream.Settings(), database: database);
        var client = factory.ClientFor("alice");
        upstream.Enqueue(Reply.ToolCall("call_r", "remember", "{\"fact\":\"Prefers\\u0000 tea\\nover coffee\"}")).Enqueue(Reply.Text("Saved."));

        var saved = await client.CreateThreadAsync(ChatKitClient.Text("Remember that I prefer tea")).CollectAsync();

        saved.Events.OfType<ErrorEvent>().Should().BeEmpty();
        upstream.Enqueue(Reply.ToolCall("call_q", "recall", "{\"query\":\"tea\\u0000\"}")).Enqueue(Reply.Text("You prefer tea."));
        var recalled = await client.CreateThreadAsync(ChatKitClient.Text("What do I like to drink?")).CollectAsync();
        recalled.Events.OfType<ErrorEvent>().Should().BeEmpty();
        var toolAnswer = upstream.Requests[3]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString();
        toolAnswer.Should().Contain("Prefers tea over coffee");
    }
}
