using System.Net;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ChatKitServer.Tests;

/// <summary><c>items.feedback</c> over HTTP, on the server's SQLite file: what can be rated, and what is kept.</summary>
public class FeedbackTests
{
    private static long FeedbackRows(ServerFactory factory)
    {
        using var db = new SqliteConnection($"Data Source={factory.DatabasePath}");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT count(*) FROM chatkit_feedback";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// Found by a hostile audit (2026-12): feedback on a hidden item (context for the model, never sent to the client) was
    /// kept and counted in the admin overview's feedback chart. It is "not found", as to the client it is.
    /// </summary>
    [Test]
    public async Task Feedback_on_a_hidden_item_is_not_found_and_keeps_nothing_even_beside_a_visible_one()
    {
        string hidden = ChatKitIds.Message(), answer = ChatKitIds.Message();
        var responder = new TestResponder
        {
            Script = (thread, _, _) => TestResponder.Events(
                new ThreadItemDoneEvent { Item = new HiddenContextItem { Id = hidden, ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), Content = new JsonObject { ["note"] = "for the model" } } },
                new ThreadItemDoneEvent { Item = new AssistantMessageItem { Id = answer, ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), Content = [new AssistantMessageContent { Text = "Hi." }] } }),
        };
        using var factory = ServerFactory.WithResponder(responder);
        var alice = factory.ClientFor("alice");
        var thread = (await alice.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;

        foreach (var ids in new List<string>[] { [hidden], [answer, hidden] })
        {
            using var refused = await alice.Http.PostAsync("/chatkit", Wire.Body(new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = ids, Kind = FeedbackKind.Positive } }));
            refused.StatusCode.Should().Be(HttpStatusCode.NotFound, string.Join(",", ids));
            (await refused.Content.ReadAsStringAsync()).Should().Contain(hidden);
        }
        FeedbackRows(factory).Should().Be(0, "a refused request keeps no feedback, not even on the visible item it named");

        (await alice.SendRawAsync(new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = [answer], Kind = FeedbackKind.Positive } })).Should().Be("{}");
        FeedbackRows(factory).Should().Be(1);
    }
}
