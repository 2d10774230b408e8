using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// The NUL character (U+0000) in what a client sends: PostgreSQL cannot store it in text, and refused every such value with
/// an error the server answered as "the database is not available" (503, try again). Ids that hold one name nothing (404 on
/// SQLite, 400 on PostgreSQL, never a 5xx), a title that holds one is refused on every database, a message that holds one
/// is kept as sent and titles its thread without it.
/// </summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class NulCharacterTests(TestDatabase database)
{
    [Test]
    public async Task Ids_and_cursors_holding_a_nul_get_a_clear_4xx_and_never_a_5xx()
    {
        using var factory = new ServerFactory(database: database);
        var client = factory.ClientFor("alice");
        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;

        foreach (var body in new[]
        {
            """{"type":"threads.get_by_id","params":{"thread_id":"thr_\u0000x"}}""",
            """{"type":"items.list","params":{"thread_id":"thr_\u0000x"}}""",
            """{"type":"threads.list","params":{"after":"thr_\u0000x"}}""",
            """{"type":"threads.delete","params":{"thread_id":"thr_\u0000x"}}""",
            """{"type":"attachments.delete","params":{"attachment_id":"atc_\u0000x"}}""",
            $$$"""{"type":"items.list","params":{"thread_id":"{{{thread}}}","after":"msg_\u0000x"}}""",
            $$$"""{"type":"items.feedback","params":{"thread_id":"{{{thread}}}","item_ids":["msg_\u0000"],"kind":"positive"}}""",
        })
        {
            using var response = await client.Http.PostAsync("/chatkit", new StringContent(body, Encoding.UTF8, "application/json"));
            var answer = await response.Content.ReadAsStringAsync();
            // threads.delete of a thread that is not there answers 200 (a retried delete answers the same); the others 400 or 404.
            ((int)response.StatusCode).Should().BeOneOf(body.Contains("threads.delete") ? [200, 400] : [400, 404], body);
            if (response.StatusCode != HttpStatusCode.OK) JsonNode.Parse(answer)!["detail"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
            response.Headers.RetryAfter.Should().BeNull("the request is at fault, not the database: trying it again will not help");
        }
        (await client.GetThreadAsync(thread)).Id.Should().Be(thread, "nothing was changed");
    }

    [Test]
    public async Task A_title_holding_a_nul_is_refused_and_the_thread_keeps_its_title()
    {
        using var factory = new ServerFactory(database: database);
        var client = factory.ClientFor("alice");
        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;
        await client.SendRawAsync(new ThreadsUpdateRequest { Params = new() { ThreadId = thread, Title = "Before" } });

        using var response = await client.Http.PostAsync("/chatkit", Wire.Body(new ThreadsUpdateRequest { Params = new() { ThreadId = thread, Title = "a\0b" } }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().Contain("NUL");
        (await client.GetThreadAsync(thread)).Title.Should().Be("Before");
    }

    [Test]
    public async Task A_message_holding_a_nul_is_kept_as_sent_and_titles_its_thread_without_it()
    {
        using var factory = new ServerFactory(database: database);
        var client = factory.ClientFor("alice");

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("hi\0 there\u0007!")).CollectAsync();

        turn.Events.OfType<ErrorEvent>().Should().BeEmpty();
        turn.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("hi there!");
        var thread = await client.GetThreadAsync(turn.ThreadId!);
        thread.Title.Should().Be("hi there!");
        thread.Items.Data.OfType<UserMessageItem>().Single().Text.Should().Be("hi\0 there\u0007!", "the message itself is stored as JSON, exactly as sent");
    }
}
