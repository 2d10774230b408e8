using Microsoft.Extensions.DependencyInjection;
using ChatKit;
using ChatKit.Client;
using ChatKit.Testing;
using ChatKit.Widgets;
using FluentAssertions;
using NUnit.Framework;

namespace Sample.AssistantTests;

/// <summary>What a team writes to test its assistant: a host with a script, a client per user, assertions on turns.</summary>
public class AssistantTests
{
    private ChatKitTestHost<Program> _host = null!;

    [OneTimeSetUp]
    public void Start() => _host = new ChatKitTestHost<Program>(script: Path.Combine(AppContext.BaseDirectory, "scripts", "assistant.json"));

    [OneTimeTearDown]
    public void Stop() => _host.Dispose();

    [Test]
    public async Task The_assistant_answers_from_the_script_and_titles_the_thread()
    {
        var alice = _host.ClientFor("alice");

        var turn = await alice.CreateThreadAsync(ChatKitClient.Text("What's the weather?")).CollectAsync();

        turn.Should().HaveAssistantText("It is sunny in Paris.").And.HaveProgressUpdate("Analyzing your request...").And.NotHaveErrors();
        (await alice.GetThreadAsync(turn.ThreadId!)).Title.Should().Be("Weather in Paris");
    }

    [Test]
    public async Task Tools_run_through_the_real_code_paths()
    {
        var bob = _host.ClientFor("bob");

        var saved = await bob.CreateThreadAsync(ChatKitClient.Text("remember I like green tea")).CollectAsync();
        saved.Should().HaveAssistantText("Saved.").And.HaveProgressUpdate("Saving to memory...");

        var recalled = await bob.CreateThreadAsync(ChatKitClient.Text("what do you remember?")).CollectAsync();
        recalled.Should().HaveProgressUpdate("Recalling from memory...");
        recalled.Items<WorkflowItem>().Should().ContainSingle("tool work is shown as a workflow");
    }

    [Test]
    public async Task Widgets_and_errors_come_through()
    {
        var carol = _host.ClientFor("carol");

        (await carol.CreateThreadAsync(ChatKitClient.Text("show me a card")).CollectAsync())
            .Should().HaveWidget<Card>().Which.Children.Should().ContainSingle();
        (await carol.CreateThreadAsync(ChatKitClient.Text("please fail")).CollectAsync())
            .Should().HaveError(allowRetry: true);
    }

    [Test]
    public async Task Stopping_a_stream_cancels_the_turn_and_keeps_what_was_said()
    {
        var dave = _host.ClientFor("dave");
        var first = await dave.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync();

        var seen = 0;
        await foreach (var ev in dave.AddUserMessageAsync(first.ThreadId!, ChatKitClient.Text("be slow")))
        {
            if (ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta } && ++seen == 2)
                break; // the client goes away after two words
        }

        var items = await WaitForAsync(() => dave.ListItemsAsync(first.ThreadId!, order: SortOrder.Asc), page => page.Data.Count >= 4);
        items.Data.OfType<AssistantMessageItem>().Last().Text.Should().Be("one two ");
        (await dave.AddUserMessageAsync(first.ThreadId!, ChatKitClient.Text("weather?")).CollectAsync())
            .Should().HaveAssistantText("It is sunny in Paris.");
    }

    [Test]
    public async Task Users_never_see_each_other()
    {
        var erin = _host.ClientFor("erin");
        var frank = _host.ClientFor("frank");
        var turn = await erin.CreateThreadAsync(ChatKitClient.Text("weather")).CollectAsync();

        var act = () => frank.GetThreadAsync(turn.ThreadId!);

        (await act.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404);
        (await frank.ListThreadsAsync()).Data.Should().BeEmpty();
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        for (var i = 0; i < 100; i++)
        {
            var value = await read();
            if (done(value)) return value;
            await Task.Delay(50);
        }
        throw new AssertionException("timed out");
    }
}

/// <summary>A tool of the team's own, registered through the kit's services hook, called by the scripted model.</summary>
public class OwnToolTests
{
    /// <summary>The team's tool: what time it is in a city (fixed here, so the test knows the answer).</summary>
    private sealed class ClockTool : ChatKitServer.Assistant.Tools.IChatKitTool
    {
        public string Name => "clock";
        public string Description => "The local time in a city.";
        public System.Text.Json.Nodes.JsonObject Parameters => new() { ["type"] = "object", ["properties"] = new System.Text.Json.Nodes.JsonObject { ["city"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "string" } } };
        public List<string> Cities { get; } = [];

        public Task<System.Text.Json.Nodes.JsonNode?> ExecuteAsync(System.Text.Json.Nodes.JsonObject arguments, ChatKitServer.Assistant.Tools.ToolContext context, CancellationToken cancellationToken)
        {
            Cities.Add((string)arguments["city"]!);
            return Task.FromResult<System.Text.Json.Nodes.JsonNode?>(new System.Text.Json.Nodes.JsonObject { ["time"] = "12:00" });
        }
    }

    [Test]
    public async Task The_scripted_model_calls_a_tool_registered_through_the_services_hook()
    {
        var clock = new ClockTool();
        using var host = new ChatKitTestHost<Program>(
            inlineScript: """{ "turns": [ { "match": "regex:time in (\\w+)", "toolCalls": [ { "name": "clock", "arguments": { "city": "$1" } } ], "then": ["It is noon."] } ] }""",
            settings: new Dictionary<string, string?> { ["Assistant:AutoTitles"] = "false" },
            services: s => s.AddScoped<ChatKitServer.Assistant.Tools.IChatKitTool>(_ => clock));

        var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("what time in Lisbon?")).CollectAsync();

        turn.Should().HaveAssistantText("It is noon.").And.HaveProgressUpdate("Executing clock...").And.NotHaveErrors();
        clock.Cities.Should().Equal("Lisbon");
    }
}

/// <summary>The same kit on an in-memory database.</summary>
public class InMemoryHostTests
{
    [Test]
    public async Task An_in_memory_host_keeps_threads_for_its_lifetime()
    {
        using var host = new ChatKitTestHost<Program>(inlineScript: """{ "turns": [ { "match": "*", "reply": ["pong"] } ] }""", database: TestDatabase.Memory);
        var client = host.AdminClient();

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("ping")).CollectAsync();

        turn.Should().HaveAssistantText("pong");
        (await client.ListItemsAsync(turn.ThreadId!)).Data.Should().HaveCount(2);
    }
}
