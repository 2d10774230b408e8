using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

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
        ["RateLimiting:Enabled"] = "false",
        ["Assistant:AutoTitles"] = "false",
    };

    [Test]
    public async Task Turns_on_one_thread_sent_at_the_same_moment_to_two_instances_alternate_question_and_answer()
    {
        using var first = ServerFactory.WithResponder(SlowEcho(), Shared(), TestDatabase.PostgreSql);
        using var second = ServerFactory.WithResponder(SlowEcho(), Shared(), TestDatabase.PostgreSql);
        using var a = first.CreateChatKitClient();
        using var b = second.CreateChatKitClient();
        var threadId = (await a.StreamAsync(Create("start"))).ThreadId;

        for (var round = 0; round < 4; round++)
            await Task.WhenAll(a.StreamAsync(AddMessage(threadId, $"a{round}")), b.StreamAsync(AddMessage(threadId, $"b{round}")));

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
    public async Task A_turn_held_by_an_instance_that_is_killed_lets_the_next_turn_run_on_another_instance()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Kills the server with kill(1): Linux only.");
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-crash", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "script.json");
        await File.WriteAllTextAsync(script, """{ "turns": [ { "match": "*", "reply": ["one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight"], "delayMs": 500 } ] }""");
        var doomed = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSql", ["ConnectionStrings__ChatKit"] = _database,
            ["Assistant__Provider"] = "Scripted", ["Assistant__ScriptPath"] = script, ["Assistant__AutoTitles"] = "false",
            ["Attachments__Path"] = Path.Combine(folder, "attachments"),
        });
        try
        {
            // The process's turn is under way (it holds the thread's lock) when the other instance is asked for the next one.
            var body = Create("go").ToJsonString();
            using var response = await doomed.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = new StringContent(body, Encoding.UTF8, "application/json") }, HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var threadId = await ThreadIdAsync(reader);
            using var survivor = ServerFactory.WithResponder(new TestResponder(), Shared(), TestDatabase.PostgreSql);
            using var client = survivor.CreateChatKitClient();
            var next = client.StreamAsync(AddMessage(threadId, "after the crash"));
            await Task.Delay(1500);
            next.IsCompleted.Should().BeFalse("the killed instance's turn still holds the thread");

            doomed.Signal("KILL");
            (await doomed.WaitExitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();

            var answer = await next.WaitAsync(TimeSpan.FromSeconds(30));
            answer.AssistantText.Should().Be("echo: after the crash ");
            var texts = await TextsAsync(client, threadId);
            texts[0].Should().Be("user:go");
            texts[^2..].Should().Equal("user:after the crash", "assistant:echo: after the crash ");
        }
        finally
        {
            doomed.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Reads frames until thread.created and returns the new thread's id.</summary>
    private static async Task<string> ThreadIdAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)) is { } line)
        {
            if (line.StartsWith("data: ") && ChatKit.Json.ChatKitJson.Deserialize<ThreadStreamEvent>(line["data: ".Length..]) is ThreadCreatedEvent created)
                return created.Thread.Id;
        }
        throw new InvalidOperationException("The stream ended before thread.created.");
    }

    /// <summary>Echoes the question a word at a time, slowly enough for two turns to overlap if nothing kept them apart.</summary>
    private static TestResponder SlowEcho() => new() { Script = (t, input, ct) => Words(t, "echo: " + input!.Text, ct) };

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

    private static async Task<List<string>> TextsAsync(ChatKitTestClient client, string threadId)
    {
        var page = await client.JsonAsync(Request("items.list", new() { ["thread_id"] = threadId, ["order"] = "asc", ["limit"] = 100 }));
        return page["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>() switch
        {
            "user_message" => "user:" + i["content"]![0]!["text"]!.GetValue<string>(),
            "assistant_message" => "assistant:" + i["content"]![0]!["text"]!.GetValue<string>(),
            var other => other,
        }).ToList();
    }
}
