using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// One turn at a time per thread across server processes that share one SQLite file on one machine (the lock file next
/// to the database, <c>SqliteFileTurnLock</c>): a real server process and an in-memory host, and the process killed in
/// the middle of a turn. Linux only (the process is killed with kill(1)).
/// </summary>
public class SqliteTurnsAcrossProcessesTests
{
    private string _folder = null!;
    private string _script = null!;

    [SetUp]
    public async Task SetUp()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Runs and kills a server process with kill(1): Linux only.");
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-sqlite-processes", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_folder);
        _script = Path.Combine(_folder, "script.json");
        await File.WriteAllTextAsync(_script, """{ "turns": [ { "match": "*", "reply": ["one ", "two ", "three ", "four"], "delayMs": 60 } ] }""");
    }

    [TearDown]
    public void TearDown()
    {
        if (_folder is not null && Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "chatkit.db")}";

    private Task<ServerProcess> StartProcessAsync(string script) => ServerProcess.StartAsync(new Dictionary<string, string>
    {
        ["ConnectionStrings__ChatKit"] = ConnectionString,
        ["Assistant__Provider"] = "Scripted", ["Assistant__ScriptPath"] = script, ["Assistant__AutoTitles"] = "false",
        ["Attachments__Path"] = Path.Combine(_folder, "attachments"),
    });

    private ServerFactory Host() => ServerFactory.WithResponder(TurnsAcrossInstancesTests.SlowEcho(), new()
    {
        ["ConnectionStrings:ChatKit"] = ConnectionString,
        ["Assistant:AutoTitles"] = "false",
    });

    [Test]
    public async Task Turns_on_one_thread_sent_at_the_same_moment_to_two_processes_alternate_question_and_answer()
    {
        using var process = await StartProcessAsync(_script);
        using var host = Host();
        var a = new ChatKitClient(process.Http); // Development auth: every caller of the process is its local user
        var b = host.ClientFor("local-user");
        var threadId = (await a.CreateThreadAsync(ChatKitClient.Text("start")).CollectAsync()).ThreadId!;

        for (var round = 0; round < 4; round++)
        {
            await Task.WhenAll(
                a.AddUserMessageAsync(threadId, ChatKitClient.Text($"a{round}")).CollectAsync(),
                b.AddUserMessageAsync(threadId, ChatKitClient.Text($"b{round}")).CollectAsync());
        }

        var texts = await TurnsAcrossInstancesTests.TextsAsync(b, threadId);
        texts.Should().HaveCount(18, string.Join(" | ", texts));
        for (var i = 0; i < texts.Count; i += 2)
        {
            texts[i].Should().StartWith("user:", $"item {i} starts a turn: {string.Join(" | ", texts)}");
            var question = texts[i]["user:".Length..];
            texts[i + 1].Should().Be(question.StartsWith('b') ? "assistant:echo: " + question + " " : "assistant:one two three four",
                $"each answer follows its own question: {string.Join(" | ", texts)}");
        }
        texts.Where(t => t.StartsWith("user:")).Should().OnlyHaveUniqueItems().And.HaveCount(9);
    }

    [Test]
    public async Task A_turn_held_by_a_process_that_is_killed_lets_the_next_turn_run_in_another()
    {
        // A turn of 30 s, killed long before its end: the other process is started and warmed first, so a slow start under load cannot outlast it.
        var slow = Path.Combine(_folder, "slow.json");
        await File.WriteAllTextAsync(slow, """{ "turns": [ { "match": "*", "reply": ["one ", "two ", "three ", "four ", "five ", "six "], "delayMs": 5000 } ] }""");
        using var survivor = Host();
        var client = survivor.ClientFor("local-user"); // the process runs with Development auth: every caller is its local user
        (await client.ListThreadsAsync()).Data.Should().BeEmpty();
        var doomed = await StartProcessAsync(slow);
        try
        {
            // The process's turn is under way (it holds the thread's byte) when the other process is asked for the next one.
            await using var turn = new ChatKitClient(doomed.Http).CreateThreadAsync(ChatKitClient.Text("go")).GetAsyncEnumerator();
            string? threadId = null;
            while (threadId is null && await turn.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)))
                threadId = (turn.Current as ThreadCreatedEvent)?.Thread.Id;
            threadId.Should().NotBeNull("the stream starts with thread.created");
            var next = client.AddUserMessageAsync(threadId!, ChatKitClient.Text("after the crash")).CollectAsync();
            await Task.Delay(1500);
            next.IsCompleted.Should().BeFalse($"the killed process's turn still holds the thread; its output:\n{doomed.Output}");

            doomed.Signal("KILL");
            (await doomed.WaitExitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();

            var answer = await next.WaitAsync(TimeSpan.FromSeconds(30));
            answer.Should().HaveAssistantText("echo: after the crash ");
            var texts = await TurnsAcrossInstancesTests.TextsAsync(client, threadId!);
            texts[0].Should().Be("user:go");
            texts[^2..].Should().Equal("user:after the crash", "assistant:echo: after the crash ");
        }
        finally
        {
            doomed.Dispose();
        }
    }
}
