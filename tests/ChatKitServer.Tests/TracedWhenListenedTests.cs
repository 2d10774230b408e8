using System.Diagnostics;
using ChatKitServer.Assistant.Models;
using Microsoft.Extensions.AI;

namespace ChatKitServer.Tests;

/// <summary>
/// The model client goes through Microsoft.Extensions.AI's OpenTelemetry client only while something listens to its
/// source: not at all when nothing does, every call when a listener (the OpenTelemetry SDK's or another APM's) is there.
/// </summary>
public class TracedWhenListenedTests
{
    [Test]
    public async Task Calls_are_traced_only_while_a_listener_takes_the_source()
    {
        var source = "ChatKitServer.Tests.Traced." + Guid.NewGuid().ToString("n");
        var inner = new Counting("inner");
        var traced = new Counting("traced");
        using var client = new TracedWhenListened(inner, traced, source);

        (await client.GetResponseAsync("hi")).Text.Should().Be("inner");
        (await client.GetStreamingResponseAsync("hi").ToChatResponseAsync()).Text.Should().Be("inner");
        client.Listened.Should().BeFalse();

        using (var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        })
        {
            ActivitySource.AddActivityListener(listener);
            client.Listened.Should().BeTrue();
            (await client.GetResponseAsync("hi")).Text.Should().Be("traced");
            (await client.GetStreamingResponseAsync("hi").ToChatResponseAsync()).Text.Should().Be("traced");
        }

        client.Listened.Should().BeFalse("the listener is gone");
        (await client.GetResponseAsync("hi")).Text.Should().Be("inner");
        (inner.Calls, traced.Calls).Should().Be((3, 2));
        client.GetService<TracedWhenListened>().Should().BeSameAs(client);
    }

    /// <summary>Answers its name and counts the calls.</summary>
    private sealed class Counting(string name) : IChatClient
    {
        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, name)));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Calls++;
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, name);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose() { }
    }
}
