using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ChatKitServer.Tests;

/// <summary>
/// items.list and threads.get_by_id send an item's stored JSON as it is when its wire stamp vouches for it, and threads.list
/// a thread's stored client JSON (docs/decisions/0020): over HTTP, on the server's SQLite file, the answers must be the same
/// bytes as when every item and thread is read and written again.
/// </summary>
public class ItemsSentAsStoredTests
{
    /// <summary>Runs <paramref name="sql"/> on the server's database file; the first column of the first row.</summary>
    private static object? Execute(ServerFactory factory, string sql)
    {
        using var db = new SqliteConnection($"Data Source={factory.DatabasePath}");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Test]
    public async Task Items_list_and_get_by_id_answer_the_same_bytes_with_the_stored_json_vouched_for_or_not()
    {
        var responder = new TestResponder
        {
            Script = (thread, _, _) => TestResponder.Events(
                new ThreadItemDoneEvent { Item = new AssistantMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(),
                    Content = [new AssistantMessageContent { Text = "Grüße \"quoted\" \\ 🎉\n<b>", Annotations = [new Annotation { Source = new UrlSource { Url = "https://example.com/a?b=1&c=2", Title = "A" } }] }] } },
                new ThreadItemDoneEvent { Item = new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), Content = new JsonObject { ["n"] = 1 } } },
                new ThreadItemDoneEvent { Item = new WidgetItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), Widget = new Card { Children = [new Text { Value = "chart" }] } } },
                new ThreadItemDoneEvent { Item = new TaskItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), Task = new SearchTask { Queries = ["q"] } } }),
        };
        using var factory = ServerFactory.WithResponder(responder);
        var client = factory.ClientFor("alice");
        var stream = await client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("first") } }).CollectAsync();
        for (var i = 0; i < 3; i++)
            await client.StreamFramesAsync(new ThreadsAddUserMessageRequest { Params = new() { ThreadId = stream.ThreadId!, Input = ChatKitClient.Text($"turn {i}") } }).CollectAsync();

        async Task<List<string>> PagesAsync()
        {
            var bodies = new List<string> { await client.SendRawAsync(new ThreadsGetByIdRequest { Params = new() { ThreadId = stream.ThreadId! } }) };
            foreach (var order in new[] { SortOrder.Asc, SortOrder.Desc })
            {
                string? after = null;
                do
                {
                    var body = await client.SendRawAsync(new ItemsListRequest { Params = new() { ThreadId = stream.ThreadId!, Order = order, Limit = 5, After = after } });
                    bodies.Add(body);
                    after = (string?)JsonNode.Parse(body)!["after"];
                } while (after is not null);
            }
            return bodies;
        }

        Execute(factory, "SELECT count(*) FROM chatkit_items WHERE WireStamp IS NULL").Should().Be(0L, "every item was stored in its wire form and stamped");
        var asStored = await PagesAsync();
        Execute(factory, "UPDATE chatkit_items SET WireStamp = NULL");
        var readAgain = await PagesAsync();

        asStored.Should().HaveCountGreaterThan(5);
        JsonNode.Parse(asStored[0])!["items"]!["data"]!.AsArray().Should().HaveCount(16, "get_by_id shows the 16 visible items of the four turns (a user message, an answer, a widget, a task each)");
        asStored.Should().Equal(readAgain);
        string.Concat(asStored).Should().Contain("Grüße").And.NotContain("hidden_context");
    }

    [Test]
    public async Task Threads_list_answers_the_same_bytes_with_the_stored_client_json_vouched_for_or_not()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        var client = factory.ClientFor("alice");
        var ids = new List<string>();
        foreach (var text in new[] { "Grüße \"quoted\" \\ 🎉\n<b>&'", "second", "third", "fourth", "fifth" })
            ids.Add((await client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text(text) } }).CollectAsync()).ThreadId!);
        await client.SendRawAsync(new ThreadsUpdateRequest { Params = new() { ThreadId = ids[1], Title = "Renamed, 你好" } });
        await factory.ClientFor("bob").StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("bob's") } }).CollectAsync();

        async Task<List<string>> PagesAsync()
        {
            var bodies = new List<string>();
            foreach (var order in new[] { SortOrder.Asc, SortOrder.Desc })
            {
                string? after = null;
                do
                {
                    var body = await client.SendRawAsync(new ThreadsListRequest { Params = new() { Order = order, Limit = 2, After = after } });
                    bodies.Add(body);
                    after = (string?)JsonNode.Parse(body)!["after"];
                } while (after is not null);
            }
            return bodies;
        }

        Execute(factory, "SELECT count(*) FROM chatkit_threads WHERE WireStamp IS NULL OR WireJson IS NULL").Should().Be(0L, "every thread was saved with its client JSON and stamped");
        var asStored = await PagesAsync();
        Execute(factory, "UPDATE chatkit_threads SET WireStamp = NULL");
        var readAgain = await PagesAsync();

        asStored.Should().HaveCount(6, "five threads, two a page, in both orders");
        asStored.Should().Equal(readAgain);
        string.Concat(asStored).Should().Contain("Renamed, 你好").And.Contain("\"items\":{\"data\":[],\"has_more\":false}").And.NotContain("bob's");
        JsonNode.Parse(asStored[0])!["data"]!.AsArray().Select(t => (string)t!["id"]!).Should().Equal(ids[0], ids[1]);
    }

    [Test]
    public async Task A_server_started_on_rows_no_stamp_vouches_for_stamps_them_again_in_the_background()
    {
        using var first = ServerFactory.WithResponder(new TestResponder());
        var client = first.ClientFor("alice");
        var threadId = (await client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("Grüße") } }).CollectAsync()).ThreadId!;
        await client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("second") } }).CollectAsync();
        var items = await client.SendRawAsync(new ItemsListRequest { Params = new() { ThreadId = threadId } });
        var threads = await client.SendRawAsync(new ThreadsListRequest { Params = new() });
        // As another build (an upgrade, a .NET servicing update) or the version before the stamps leaves them.
        Execute(first, "UPDATE chatkit_items SET WireStamp = 12345; UPDATE chatkit_threads SET WireStamp = NULL; UPDATE chatkit_store_state SET Value = '12345 99999 99999'");
        const string Unvouched = "SELECT (SELECT count(*) FROM chatkit_items WHERE WireStamp = 12345) + (SELECT count(*) FROM chatkit_threads WHERE WireStamp IS NULL)";
        Execute(first, Unvouched).Should().Be(Execute(first, "SELECT (SELECT count(*) FROM chatkit_items) + (SELECT count(*) FROM chatkit_threads)"), "every stamp was cleared")
            .And.Subject.Should().BeOfType<long>().Which.Should().BeGreaterThan(3);

        // The same database under a server that starts on it (Database:RestampStoredJson=false here and the rows stay as they are).
        using var next = new ServerFactory(new() { ["ConnectionStrings:ChatKit"] = $"Data Source={first.DatabasePath}" });
        var again = next.ClientFor("alice");
        (await again.SendRawAsync(new ThreadsListRequest { Params = new() })).Should().Be(threads, "the server answers the same before and after the pass");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((long)Execute(first, Unvouched)! > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);

        Execute(first, Unvouched).Should().Be(0L, "the pass after start stamped every row for this build");
        (await again.SendRawAsync(new ItemsListRequest { Params = new() { ThreadId = threadId } })).Should().Be(items);
        (await again.SendRawAsync(new ThreadsListRequest { Params = new() })).Should().Be(threads);
    }
}
