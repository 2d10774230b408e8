using System.Runtime.CompilerServices;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests;

/// <summary>
/// One turn at a time per thread across server instances that share a PostgreSQL database: two
/// in-memory hosts, and a real server process that is killed in the middle of a turn.
/// </summary>
public class TurnsAcrossInstancesTests
{
    private PostgreSqlServer _server = null!;
    private string _database = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await PostgreSqlServer.SharedAsync();
        _database = await _server.CreateDatabaseAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_database is not null) await _server.DropDatabaseAsync(_database);
    }

    private Dictionary<string, string?> Shared() => new()
    {
        ["ConnectionStrings:ChatKit"] = _database,
        ["Assistant:AutoTitles"] = "false",
    };

    [Test]
    public async Task Turns_on_one_thread_sent_at_the_same_moment_to_two_instances_alternate_question_and_answer()
    {
        using var first = ServerFactory.WithResponder(SlowEcho(), Shared(), TestDatabase.PostgreSql);
        using var second = ServerFactory.WithResponder(SlowEcho(), Shared(), TestDatabase.PostgreSql);
        var a = first.ClientFor("alice");
        var b = second.ClientFor("alice");
        var threadId = (await a.CreateThreadAsync(ChatKitClient.Text("start")).CollectAsync()).ThreadId!;

        for (var round = 0; round < 4; round++)
        {
            await Task.WhenAll(
                a.AddUserMessageAsync(threadId, ChatKitClient.Text($"a{round}")).CollectAsync(),
                b.AddUserMessageAsync(threadId, ChatKitClient.Text($"b{round}")).CollectAsync());
        }

        var texts = await TextsAsync(b, threadId);
        texts.Should().HaveCount(18);
        for (var i = 0; i < texts.Count; i += 2)
        {
            texts[i].Should().StartWith("user:", $"item {i} starts a turn: {string.Join(" | ", texts)}");
            texts[i + 1].Should().Be("assistant:echo: " + texts[i]["user:".Length..] + " ", "each answer follows its own question");
        }
        texts.Where(t => t.StartsWith("user:")).Should().OnlyHaveUniqueItems().And.HaveCount(9);
    }

    [Test]
    public async Task A_turn_on_an_instance_whose_clock_is_behind_is_listed_after_the_turn_before_it()
    {
        // Two instances whose clocks differ by two seconds (hosts kept by NTP differ by less, but a turn that follows
        // another at once, such as a client tool's output, comes within milliseconds).
        using var ahead = ServerFactory.WithResponder(SlowEcho(), Shared(), TestDatabase.PostgreSql);
        using var behind = new ServerFactory(Shared(), s =>
        {
            s.Replace(ServiceDescriptor.Singleton<IChatKitResponder>(SlowEcho()));
            s.Replace(ServiceDescriptor.Singleton<TimeProvider>(new ShiftedClock(TimeSpan.FromSeconds(-2))));
        }, TestDatabase.PostgreSql);
        var a = ahead.ClientFor("alice");
        var b = behind.ClientFor("alice");
        var threadId = (await a.CreateThreadAsync(ChatKitClient.Text("first")).CollectAsync()).ThreadId!;

        await b.AddUserMessageAsync(threadId, ChatKitClient.Text("second")).CollectAsync();
        await a.AddUserMessageAsync(threadId, ChatKitClient.Text("third")).CollectAsync();

        (await TextsAsync(a, threadId)).Should().Equal(
            "user:first", "assistant:echo: first ", "user:second", "assistant:echo: second ", "user:third", "assistant:echo: third ");
        var times = (await a.ListItemsAsync(threadId, limit: 100, order: SortOrder.Asc)).Data.Select(i => i.CreatedAt).ToList();
        times.Should().BeInAscendingOrder("a reload shows the turns in the order they ran");
    }

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + offset;
    }

    [Test]
    public async Task A_turn_held_by_an_instance_that_is_killed_lets_the_next_turn_run_on_another_instance()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Kills the server with kill(1): Linux only.");
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-crash", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "script.json");
        // A turn of 30 s, killed long before its end: the surviving instance is started and warmed first, so a slow start under load cannot outlast it.
        await File.WriteAllTextAsync(script, """{ "turns": [ { "match": "*", "reply": ["one ", "two ", "three ", "four ", "five ", "six "], "delayMs": 5000 } ] }""");
        using var survivor = ServerFactory.WithResponder(new TestResponder(), Shared(), TestDatabase.PostgreSql);
        var client = survivor.ClientFor("local-user"); // the process runs with Development auth: every caller is its local user
        (await client.ListThreadsAsync()).Data.Should().BeEmpty();
        var doomed = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSql", ["ConnectionStrings__ChatKit"] = _database,
            ["Assistant__Provider"] = "Scripted", ["Assistant__ScriptPath"] = script, ["Assistant__AutoTitles"] = "false",
            ["Attachments__Path"] = Path.Combine(folder, "attachments"),
        });
        try
        {
            // The process's turn is under way (it holds the thread's lock) when the other instance is asked for the next one.
            await using var turn = new ChatKitClient(doomed.Http).CreateThreadAsync(ChatKitClient.Text("go")).GetAsyncEnumerator();
            string? threadId = null;
            while (threadId is null && await turn.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)))
                threadId = (turn.Current as ThreadCreatedEvent)?.Thread.Id;
            threadId.Should().NotBeNull("the stream starts with thread.created");
            var next = client.AddUserMessageAsync(threadId!, ChatKitClient.Text("after the crash")).CollectAsync();
            await Task.Delay(1500);
            next.IsCompleted.Should().BeFalse("the killed instance's turn still holds the thread");

            doomed.Signal("KILL");
            (await doomed.WaitExitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();

            var answer = await next.WaitAsync(TimeSpan.FromSeconds(30));
            answer.Should().HaveAssistantText("echo: after the crash ");
            var texts = await TextsAsync(client, threadId!);
            texts[0].Should().Be("user:go");
            texts[^2..].Should().Equal("user:after the crash", "assistant:echo: after the crash ");
        }
        finally
        {
            doomed.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Echoes the question a word at a time, slowly enough for two turns to overlap if nothing kept them apart.</summary>
    internal static TestResponder SlowEcho() => new() { Script = (t, input, ct) => Words(t, "echo: " + input!.Text, ct) };

    private static async IAsyncEnumerable<ThreadStreamEvent> Words(ThreadMetadata t, string text, [EnumeratorCancellation] CancellationToken ct)
    {
        var message = new AssistantMessageStream(t.Id);
        foreach (var ev in message.Begin()) yield return ev;
        foreach (var word in text.Split(' '))
        {
            await Task.Delay(40, ct);
            yield return message.Append(word + " ");
        }
        foreach (var ev in message.Complete()) yield return ev;
    }

    internal static async Task<List<string>> TextsAsync(ChatKitClient client, string threadId) =>
        (await client.ListItemsAsync(threadId, limit: 100, order: SortOrder.Asc)).Data.Select(i => i switch
        {
            UserMessageItem u => "user:" + ((UserMessageTextContent)u.Content[0]).Text,
            AssistantMessageItem a => "assistant:" + a.Content[0].Text,
            var other => other.Kind,
        }).ToList();
}
