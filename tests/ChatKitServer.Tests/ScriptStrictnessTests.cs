using ChatKit;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>A script that says something wrong fails the test that uses it, instead of passing with an empty or made-up answer.</summary>
public class ScriptStrictnessTests
{
    [Test]
    public void An_unknown_key_stops_the_server_naming_the_line_and_the_key()
    {
        using var script = new ChatScriptFile("""
            { "turns": [
              { "match": "*",
                "replly": ["Hello"] } ] }
            """);
        using var factory = new ServerFactory(script.Settings());

        var start = () => factory.CreateClient();

        start.Should().Throw<Exception>().Where(e => e.ToString().Contains("line 3") && e.ToString().Contains("'replly'") && e.ToString().Contains("reply, "));
    }

    [Test]
    public async Task An_error_that_may_be_retried_keeps_its_message()
    {
        using var script = new ChatScriptFile("""{ "turns": [ { "match": "*", "error": { "message": "Upstream is down", "retry": true } } ] }""");
        using var factory = new ServerFactory(script.Settings());
        using var client = factory.CreateChatKitClient();

        var stream = await client.StreamAsync(Create("hi"));

        var error = stream.Events.OfType<ErrorEvent>().Should().ContainSingle().Subject;
        error.Message.Should().Be("Upstream is down");
        error.AllowRetry.Should().BeTrue();
    }

    [Test]
    public async Task A_call_to_a_tool_the_server_does_not_offer_fails_the_turn()
    {
        using var script = new ChatScriptFile("""{ "turns": [ { "match": "*", "toolCalls": [ { "name": "clock", "arguments": {} } ], "then": ["It is noon."] } ] }""");
        using var factory = new ServerFactory(script.Settings());
        using var client = factory.CreateChatKitClient();

        var stream = await client.StreamAsync(Create("what time is it?"));

        stream.Events.OfType<ErrorEvent>().Should().ContainSingle().Which.Message.Should().Contain("'clock'").And.Contain("search_threads");
        stream.Events.OfType<ProgressUpdateEvent>().Select(p => p.Text).Should().NotContain(t => t.Contains("clock"));
        stream.AssistantText.Should().BeEmpty("the scripted follow-up never comes");
    }
}
