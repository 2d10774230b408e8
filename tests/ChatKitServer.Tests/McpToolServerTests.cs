using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Assistant.Mcp;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>A real MCP server (built with the SDK) whose tools the model calls through the scripted upstream.</summary>
public class McpToolServerTests
{
    private ScriptedUpstream _upstream = null!;

    [SetUp]
    public async Task SetUp() => _upstream = await ScriptedUpstream.StartAsync();

    [TearDown]
    public async Task TearDown() => await _upstream.DisposeAsync();

    private ServerFactory Start(Dictionary<string, string?> servers, LogCapture? logs = null)
    {
        var settings = _upstream.Settings();
        settings["Assistant:McpReconnectSeconds"] = "1";
        foreach (var (k, v) in servers) settings[k] = v;
        return new ServerFactory(settings, logs is null ? null : logs.AddTo);
    }

    private static Dictionary<string, string?> Stdio(string name) => new()
    {
        ["Assistant:McpServers:0:Name"] = name,
        ["Assistant:McpServers:0:Command"] = "dotnet",
        ["Assistant:McpServers:0:Arguments:0"] = McpTestServerProcess.Dll,
    };

    /// <summary>A server on the hostile test server, started with its tools listed, and alice's client on it.</summary>
    private async Task<(ServerFactory Factory, ChatKitClient Alice)> StartHostileAsync(string? setting = null, string? value = null)
    {
        var servers = Stdio("hostile");
        servers["Assistant:McpServers:0:Arguments:1"] = "--hostile";
        if (setting is not null) servers[setting] = value;
        var factory = Start(servers);
        try
        {
            await ToolsAsync(factory, atLeast: 5);
        }
        catch
        {
            factory.Dispose();
            throw;
        }
        return (factory, factory.ClientFor("alice"));
    }

    private static async Task<IReadOnlyList<McpTool>> ToolsAsync(ServerFactory factory, int atLeast = 1)
    {
        var servers = factory.Services.GetRequiredService<McpServers>();
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            if (servers.Tools() is { Count: > 0 } tools && tools.Count >= atLeast) return tools;
            await Task.Delay(100);
        }
        Assert.Fail("The MCP server's tools never appeared.");
        return [];
    }

    [Test]
    public async Task A_stdio_server_s_tool_is_called_with_a_localized_progress_update_and_a_workflow()
    {
        using var factory = Start(Stdio("local"));
        var client = factory.ClientFor("alice");
        (await ToolsAsync(factory)).Select(t => t.Name).Should().BeEquivalentTo(["local__echo", "local__add", "local__crash"]);
        _upstream.Enqueue(Reply.ToolCall("call_1", "local__echo", "{\"text\":", "\"bonjour\"}")).Enqueue(Reply.Text("It said BONJOUR."));

        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        var stream = await client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("echo bonjour") } }).CollectAsync();

        stream.Should().HaveProgressUpdate("Appel de echo sur local...");
        _upstream.Requests[0]["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).Should().Contain("local__echo");
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("ECHO: BONJOUR");
        stream.Should().HaveAssistantText("It said BONJOUR.");

        var workflow = stream.Items<WorkflowItem>().Single().Workflow;
        workflow.Tasks.Should().ContainSingle().Which.Should().BeOfType<CustomTask>().Which.StatusIndicator.Should().Be(TaskStatusIndicator.Complete);
        workflow.Summary.Should().BeOfType<DurationSummary>();
        var updates = stream.Events.OfType<ThreadItemUpdatedEvent>().Select(e => e.Update).ToList();
        updates.OfType<WorkflowTaskAdded>().Single().Task.StatusIndicator.Should().Be(TaskStatusIndicator.Loading);
        updates.OfType<WorkflowTaskUpdated>().Single().Task.StatusIndicator.Should().Be(TaskStatusIndicator.Complete);
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task A_streamable_HTTP_server_s_tools_join_too_and_names_from_two_servers_never_collide()
    {
        using var http = McpTestServerProcess.StartHttp();
        var servers = Stdio("local");
        servers["Assistant:McpServers:1:Name"] = "remote";
        servers["Assistant:McpServers:1:Url"] = http.Url.ToString();
        using var factory = Start(servers);
        var client = factory.ClientFor("alice");
        var tools = await ToolsAsync(factory, atLeast: 6);
        tools.Select(t => t.Name).Should().OnlyHaveUniqueItems().And.Contain(["local__add", "remote__add"]);
        _upstream.Enqueue(Reply.ToolCall("call_1", "remote__add", "{\"a\":2,\"b\":3}")).Enqueue(Reply.Text("5"));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("2+3?")).CollectAsync();

        stream.Should().HaveProgressUpdate("Calling add on remote...");
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("5");
    }

    [Test]
    public async Task A_server_that_crashes_mid_call_is_isolated_the_conversation_goes_on_and_it_comes_back()
    {
        using var factory = Start(Stdio("fragile"));
        var client = factory.ClientFor("alice");
        await ToolsAsync(factory);
        _upstream.Enqueue(Reply.ToolCall("call_1", "fragile__crash", "{}")).Enqueue(Reply.Text("The tool failed, sorry."));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("crash it")).CollectAsync();

        stream.Should().HaveAssistantText("The tool failed, sorry.").And.NotHaveErrors("a tool server failing is not a failed answer");
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("failed");
        var task = stream.Items<WorkflowItem>().Single().Workflow.Tasks.Single();
        ((CustomTask)task).Content.Should().Contain("failed", "the workflow shows the error text");

        _upstream.Enqueue(Reply.Text("fine"));
        (await client.AddUserMessageAsync(stream.ThreadId!, ChatKitClient.Text("still there?")).CollectAsync()).Should().HaveAssistantText("fine");
        (await ToolsAsync(factory)).Should().NotBeEmpty("the server is started again after McpReconnectSeconds");
    }

    [Test]
    public async Task A_server_that_cannot_start_leaves_its_tools_out_and_the_others_working()
    {
        var servers = Stdio("good");
        servers["Assistant:McpServers:1:Name"] = "broken";
        servers["Assistant:McpServers:1:Command"] = "/nonexistent/mcp-server";
        using var factory = Start(servers);
        var client = factory.ClientFor("alice");

        var tools = await ToolsAsync(factory);
        tools.Should().OnlyContain(t => t.Server == "good");
        _upstream.Enqueue(Reply.Text("hello"));
        (await client.CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync()).Should().HaveAssistantText("hello");
    }

    [Test]
    public async Task Tools_whose_names_reach_the_model_as_one_are_offered_once_and_the_conversation_goes_on()
    {
        var (factory, client) = await StartHostileAsync(); // lists "look.up" and "look_up": both are hostile__look_up for the model
        using var _ = factory;
        _upstream.Enqueue(Reply.ToolCall("call_1", "hostile__look_up", "{}")).Enqueue(Reply.Text("found it"));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("look it up")).CollectAsync();

        stream.Should().HaveAssistantText("found it").And.NotHaveErrors("a tool server's names must not break every turn");
        _upstream.Requests[0]["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).Where(n => n == "hostile__look_up").Should().ContainSingle();
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("dotted");
    }

    [Test]
    public async Task A_call_the_server_never_answers_ends_with_an_error_result_after_the_timeout()
    {
        var (factory, client) = await StartHostileAsync("Assistant:McpCallTimeoutSeconds", "1");
        using var _ = factory;
        _upstream.Enqueue(Reply.ToolCall("call_1", "hostile__hang", "{}")).Enqueue(Reply.Text("It did not answer."))
            .Enqueue(Reply.ToolCall("call_2", "hostile__add", "{\"a\":1,\"b\":2}")).Enqueue(Reply.Text("3"));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("hang")).CollectAsync().WaitAsync(TimeSpan.FromSeconds(30));

        stream.Should().HaveAssistantText("It did not answer.").And.NotHaveErrors();
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("did not answer");
        ((CustomTask)stream.Items<WorkflowItem>().Single().Workflow.Tasks.Single()).Content.Should().Be("The tool server 'hostile' did not answer 'hang' within 1 s.");
        (await client.AddUserMessageAsync(stream.ThreadId!, ChatKitClient.Text("1+2")).CollectAsync().WaitAsync(TimeSpan.FromSeconds(30)))
            .Should().HaveAssistantText("3", "a slow call does not take the server down");
    }

    [Test]
    public async Task Tools_whose_input_schema_is_not_an_object_are_left_out_and_the_servers_other_tools_stay_callable()
    {
        // The SDK refused the whole listing ("not a valid MCP tool input JSON schema") when one tool's arguments were a
        // string or its schema named no type: every tool of that server was unavailable, and it was retried forever.
        var servers = Stdio("odd");
        servers["Assistant:McpServers:0:Arguments:1"] = "--bad-schemas";
        var logs = new LogCapture();
        using var factory = Start(servers, logs);
        var client = factory.ClientFor("alice");

        (await ToolsAsync(factory)).Select(t => t.Name).Should().BeEquivalentTo(["odd__echo", "odd__add", "odd__crash"]);
        logs.Lines.Should().Contain(l => l.StartsWith("Warning") && l.Contains("odd") && l.Contains("shout") && l.Contains("input schema"))
            .And.Contain(l => l.StartsWith("Warning") && l.Contains("odd") && l.Contains("whisper") && l.Contains("input schema"))
            .And.Contain(l => l.StartsWith("Warning") && l.Contains("odd") && l.Contains("not an object"),
                "entries of the listing that are no tool (a string, a number, null, an array) are left out alone; they took the server down");
        _upstream.Enqueue(Reply.ToolCall("call_1", "odd__add", "{\"a\":2,\"b\":5}")).Enqueue(Reply.Text("7"));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("2+5?")).CollectAsync();

        stream.Should().HaveAssistantText("7").And.NotHaveErrors();
        _upstream.Requests[0]["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).Should().Contain("odd__add").And.NotContain(["odd__shout", "odd__whisper"]);
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("7");
    }

    [Test]
    public async Task A_server_that_never_lists_its_tools_does_not_keep_the_others_out()
    {
        var servers = Stdio("stuck");
        servers["Assistant:McpServers:0:Arguments:1"] = "--hang-on-list";
        servers["Assistant:McpServers:1:Name"] = "good";
        servers["Assistant:McpServers:1:Command"] = "dotnet";
        servers["Assistant:McpServers:1:Arguments:0"] = McpTestServerProcess.Dll;
        servers["Assistant:McpCallTimeoutSeconds"] = "1";
        using var factory = Start(servers);

        (await ToolsAsync(factory)).Should().OnlyContain(t => t.Server == "good");
    }

    [Test]
    public async Task A_huge_result_reaches_the_model_cut_to_the_history_budget()
    {
        var (factory, client) = await StartHostileAsync("Assistant:HistoryBudgetChars", "1000");
        using var _ = factory;
        _upstream.Enqueue(Reply.ToolCall("call_1", "hostile__huge", "{}")).Enqueue(Reply.Text("That was long."));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("huge")).CollectAsync();

        stream.Should().HaveAssistantText("That was long.").And.NotHaveErrors();
        var result = _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString();
        result.Length.Should().BeLessThan(2_000);
        result.Should().Contain("100000 characters");
    }

    [Test]
    public async Task Tool_work_can_be_hidden_by_configuration()
    {
        var servers = Stdio("local");
        servers["Assistant:ShowToolWork"] = "false";
        using var factory = Start(servers);
        var client = factory.ClientFor("alice");
        await ToolsAsync(factory);
        _upstream.Enqueue(Reply.ToolCall("call_1", "local__add", "{\"a\":1,\"b\":1}")).Enqueue(Reply.Text("2"));

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("1+1")).CollectAsync();

        stream.Items<WorkflowItem>().Should().BeEmpty();
        stream.ProgressUpdates.Should().NotBeEmpty();
    }
}
