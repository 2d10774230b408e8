using System.Net;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.EntityFrameworkCore;
using ChatKitServer.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>Faults: the database going away, malformed upstream data, clients hanging up at random points.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class FaultTests(TestDatabase database)
{
    [Test]
    public async Task An_unavailable_database_answers_503_with_a_clear_body_and_nothing_is_half_written()
    {
        // One quick retry: the outage outlasts it, and the answer must not wait for EF's default minute of retries.
        using var factory = ServerFactory.WithResponder(new TestResponder(), new() { ["Database:MaxRetryCount"] = "1", ["Database:MaxRetryDelaySeconds"] = "0.1" }, database);
        var client = factory.ClientFor("alice");
        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("before the outage")).CollectAsync()).ThreadId!;

        var bringBack = await DatabaseOutage.StartAsync(factory);

        var during = ChatKitClient.Text("during the outage");
        foreach (var request in new ChatKitRequest[]
        {
            new ThreadsListRequest(), new ThreadsCreateRequest { Params = new() { Input = during } },
            new ThreadsAddUserMessageRequest { Params = new() { ThreadId = thread, Input = during } },
        })
        {
            using var response = await client.Http.PostAsync("/chatkit", Wire.Body(request));
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, request.Kind);
            response.Headers.RetryAfter.Should().NotBeNull();
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            problem["detail"]!.GetValue<string>().Should().Contain("database is not available");
        }
        (await client.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);

        // It comes back as it was: the failed requests left nothing behind.
        await bringBack();
        (await client.ListItemsAsync(thread, order: SortOrder.Asc)).Data.Should().HaveCount(2);
        (await client.ListThreadsAsync()).Data.Should().ContainSingle();
        (await client.AddUserMessageAsync(thread, ChatKitClient.Text("after")).CollectAsync()).Should().HaveAssistantText("echo: after ");
    }

    [Test]
    public async Task A_new_thread_whose_first_message_the_database_refuses_is_not_created_at_all()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), database: database);
        var client = factory.ClientFor("alice");
        var kept = (await client.CreateThreadAsync(ChatKitClient.Text("before")).CollectAsync()).ThreadId!;
        // The database refuses every new item (a trigger stands in for a full disk or a broken row).
        string[] refuse = database == TestDatabase.Sqlite
            ? ["CREATE TRIGGER refuse_items BEFORE INSERT ON chatkit_items BEGIN SELECT RAISE(ABORT, 'no room'); END;"]
            : ["CREATE FUNCTION refuse_items() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no room'; END $$ LANGUAGE plpgsql;",
               "CREATE TRIGGER refuse_items BEFORE INSERT ON chatkit_items FOR EACH ROW EXECUTE FUNCTION refuse_items();"];
        using (var scope = factory.Services.CreateScope())
        {
            await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
            foreach (var sql in refuse) await db.Database.ExecuteSqlRawAsync(sql);
        }

        using var response = await client.Http.PostAsync("/chatkit", Wire.Body(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("refused") } }));

        // Refused before thread.created: an HTTP error with a JSON body, and no thread without its message.
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().Contain("nothing was saved");
        (await client.ListThreadsAsync()).Data.Select(t => t.Id).Should().Equal([kept]);
    }

    [Test]
    public async Task A_malformed_chunk_from_the_model_ends_the_turn_with_a_retryable_error_and_keeps_the_text()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        using var factory = new ServerFactory(upstream.Settings(), database: database);
        var client = factory.ClientFor("alice");
        upstream.Enqueue(Reply.Text("Partial", " text") with { Garbage = "{this is not json" });

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync();

        turn.Events.Last().Should().BeOfType<ErrorEvent>().Which.AllowRetry.Should().BeTrue();
        var items = await client.ListItemsAsync(turn.ThreadId!, order: SortOrder.Asc);
        items.Data[1].Should().BeOfType<AssistantMessageItem>().Which.Content[0].Text.Should().Be("Partial text");
        upstream.Enqueue(Reply.Text("fine"));
        (await client.AddUserMessageAsync(turn.ThreadId!, ChatKitClient.Text("again")).CollectAsync()).Should().HaveAssistantText("fine");
    }

    [Test]
    public async Task Two_hundred_streams_cut_at_random_points_leave_every_thread_consistent_and_usable()
    {
        const string answer = "a b c d e f g h i j k l";
        var responder = new TestResponder { Script = (t, _, ct) => Words(t, answer, ct) };
        using var factory = ServerFactory.WithResponder(responder, database: database); // the kit's host runs without rate limits
        var client = factory.ClientFor("alice");
        var random = new Random(20261123);
        var threads = new List<string>();
        for (var i = 0; i < 40; i++) threads.Add((await client.CreateThreadAsync(ChatKitClient.Text("start " + i)).CollectAsync()).ThreadId!);
        var cuts = threads.ToDictionary(t => t, _ => Enumerable.Range(0, 5).Select(_ => random.Next(0, 18)).ToArray());

        await Parallel.ForEachAsync(threads, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (thread, _) =>
        {
            for (var turn = 0; turn < 5; turn++)
                await CutAsync(client.Http, new ThreadsAddUserMessageRequest { Params = new() { ThreadId = thread, Input = ChatKitClient.Text($"turn {turn}") } }, cuts[thread][turn]);
        });

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        foreach (var thread in threads)
        {
            var items = await WaitForSettledAsync(db, thread);
            items.Select(i => i.Id).Should().OnlyHaveUniqueItems();
            var users = items.OfType<UserMessageItem>().Select(u => u.Text).ToList();
            users.Should().Equal(["start " + threads.IndexOf(thread), "turn 0", "turn 1", "turn 2", "turn 3", "turn 4"], "every user message is saved once, in order");
            foreach (var segment in Segments(items))
            {
                segment.OfType<AssistantMessageItem>().Should().HaveCountLessThanOrEqualTo(1);
                segment.OfType<AssistantMessageItem>().All(a => a.Text.Length > 0 && (answer + " ").StartsWith(a.Text)).Should().BeTrue("partial answers are non-empty prefixes");
                segment.OfType<SdkHiddenContextItem>().Should().HaveCountLessThanOrEqualTo(1);
                segment.Skip(1).All(i => i is AssistantMessageItem || i is SdkHiddenContextItem).Should().BeTrue("no orphans");
            }
        }
        foreach (var thread in threads.Take(5))
            (await client.AddUserMessageAsync(thread, ChatKitClient.Text("still fine?")).CollectAsync()).Should().HaveAssistantText(answer + " ");
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Words(ThreadMetadata t, string text, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var message = new AssistantMessageStream(t.Id);
        foreach (var ev in message.Begin()) yield return ev;
        foreach (var word in text.Split(' '))
        {
            await Task.Delay(3, ct);
            yield return message.Append(word + " ");
        }
        foreach (var ev in message.Complete()) yield return ev;
    }

    /// <summary>Reads <paramref name="frames"/> frames of the stream (all of them when past the end), then hangs up.</summary>
    private static async Task CutAsync(HttpClient http, ChatKitRequest request, int frames)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = Wire.Body(request) };
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = 0;
        while (seen < frames && await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) seen++;
        }
    }

    private static async Task<List<ThreadItem>> WaitForSettledAsync(IDbContextFactory<ChatKitDbContext> contexts, string threadId)
    {
        // A cut stream is cleaned up on the server after the client left; wait until the last turn settled.
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            var items = (await db.Items.Where(i => i.ThreadId == threadId).OrderBy(i => i.Sequence).Select(i => i.Json).ToListAsync())
                .Select(j => ChatKit.Json.ChatKitJson.Deserialize<ThreadItem>(j)).ToList();
            if (items.Count > 0 && items[^1] is not UserMessageItem || attempt > 100) return items;
            await Task.Delay(50);
        }
    }

    private static IEnumerable<List<ThreadItem>> Segments(List<ThreadItem> items)
    {
        List<ThreadItem>? current = null;
        foreach (var item in items)
        {
            if (item is UserMessageItem)
            {
                if (current is not null) yield return current;
                current = [item];
            }
            else
            {
                current!.Add(item);
            }
        }
        if (current is not null) yield return current;
    }
}
