using ChatKit;
using ChatKitServer.Responders;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>The responder chain is built for the turns that run it, not for every request (lists, gets, renames).</summary>
public class ResponderOnFirstUseTests
{
    [Test]
    public async Task Requests_that_run_no_turn_build_no_responder_and_a_turn_builds_it_once()
    {
        var built = 0;
        using var factory = new ServerFactory(services: s =>
        {
            foreach (var old in s.Where(d => d.IsKeyedService && Equals(d.ServiceKey, TitlingResponder.Inner)).ToList()) s.Remove(old);
            s.AddKeyedScoped<IChatKitResponder>(TitlingResponder.Inner, (_, _) =>
            {
                Interlocked.Increment(ref built);
                return new TestResponder();
            });
        });
        var client = factory.ClientFor("alice");

        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;
        built.Should().Be(1, "the turn ran the responder");

        await client.ListThreadsAsync();
        await client.ListItemsAsync(thread);
        await client.GetThreadAsync(thread);
        built.Should().Be(1, "lists and gets never run the responder");

        (await client.AddUserMessageAsync(thread, ChatKitClient.Text("again")).CollectAsync()).Should().HaveAssistantText("echo: again ");
        built.Should().Be(2, "each turn is a request scope of its own");
    }
}
