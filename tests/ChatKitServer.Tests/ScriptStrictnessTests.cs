using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>A script that says something wrong fails the test that uses it, instead of passing with an empty or made-up answer.</summary>
public class ScriptStrictnessTests
{
    /// <summary>The scripted model answers only the turns of its script (no title requests in between).</summary>
    private static Dictionary<string, string?> NoTitles => new() { ["Assistant:AutoTitles"] = "false" };

    [Test]
    public void An_unknown_key_stops_the_server_naming_the_line_and_the_key()
    {
        using var factory = new ServerFactory(NoTitles, inlineScript: """
            { "turns": [
              { "match": "*",
                "replly": ["Hello"] } ] }
            """);

        var start = () => factory.CreateClient();

        start.Should().Throw<Exception>().Where(e => e.ToString().Contains("line 3") && e.ToString().Contains("'replly'") && e.ToString().Contains("reply, "));
    }

    [Test]
    public async Task An_error_that_may_be_retried_keeps_its_message()
    {
        using var factory = new ServerFactory(NoTitles, inlineScript: """{ "turns": [ { "match": "*", "error": { "message": "Upstream is down", "retry": true } } ] }""");

        var stream = await factory.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync();

        var error = stream.Errors.Should().ContainSingle().Subject;
        error.Message.Should().Be("Upstream is down");
        error.AllowRetry.Should().BeTrue();
    }

    [Test]
    public async Task A_call_to_a_tool_the_server_does_not_offer_fails_the_turn()
    {
        using var factory = new ServerFactory(NoTitles, inlineScript: """{ "turns": [ { "match": "*", "toolCalls": [ { "name": "clock", "arguments": {} } ], "then": ["It is noon."] } ] }""");

        var stream = await factory.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("what time is it?")).CollectAsync();

        stream.Errors.Should().ContainSingle().Which.Message.Should().Contain("'clock'").And.Contain("search_threads");
        stream.ProgressUpdates.Should().NotContain(t => t.Contains("clock"));
        stream.AssistantText.Should().BeEmpty("the scripted follow-up never comes");
    }
}
