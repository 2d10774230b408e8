using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatKit;
using ChatKitServer.Hosting;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests;

/// <summary>
/// The model seam is Microsoft.Extensions.AI's <see cref="IChatClient"/>: any client answers through the
/// real responder (tools, persistence, titles), and the default pipeline carries M.E.AI's middleware
/// (OpenTelemetry spans with the GenAI conventions, logging).
/// </summary>
public class ChatClientSeamTests
{
    /// <summary>The scripted model answers only the turns of its script (no title requests in between).</summary>
    private static Dictionary<string, string?> NoTitles => new() { ["Assistant:AutoTitles"] = "false" };

    [Test]
    public async Task Any_IChatClient_answers_through_the_real_responder()
    {
        var client = new EchoChatClient();
        using var factory = new ServerFactory(NoTitles, s => s.Replace(ServiceDescriptor.Singleton<IChatClient>(client)),
            inlineScript: """{ "turns": [ { "match": "*", "reply": ["unused"] } ] }""");

        var stream = await factory.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("bonjour")).CollectAsync();

        stream.Should().HaveAssistantText("echo: bonjour");
        client.Options.Should().NotBeEmpty();
        client.Options[0].ModelId.Should().Be(EchoChatClient.Model, "the client's own default model (ChatClientMetadata) is asked for");
        client.Options[0].Tools!.Select(t => t.Name).Should().Contain(["search_threads", "remember", "recall"]);
    }

    [Test]
    public async Task The_default_pipeline_traces_each_model_call_with_the_GenAI_conventions()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AssistantSetup.ModelTelemetrySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) spans.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        using var factory = new ServerFactory(NoTitles,
            inlineScript: """{ "turns": [ { "match": "*", "reply": ["Hello ", "there."], "promptTokens": 12, "completionTokens": 3 } ] }""");

        var stream = await factory.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync();

        stream.Should().HaveAssistantText("Hello there.");
        Activity span;
        lock (spans) span = spans.Should().ContainSingle(s => s.DisplayName == "chat scripted").Subject;
        span.GetTagItem("gen_ai.request.model").Should().Be("scripted");
        span.GetTagItem("gen_ai.usage.input_tokens").Should().Be(12);
        span.GetTagItem("gen_ai.usage.output_tokens").Should().Be(3);
        span.Tags.Select(t => t.Key).Should().NotContain(k => k.Contains("content"), "prompts and answers are not recorded");
    }

    /// <summary>A chat client of someone else's making: answers "echo: " and the user's last words, and reports a model of its own.</summary>
    private sealed class EchoChatClient : IChatClient
    {
        public const string Model = "echo-1";
        public List<ChatOptions> Options { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            lock (Options) Options.Add(options ?? new ChatOptions());
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, "echo: ");
            yield return new ChatResponseUpdate(ChatRole.Assistant, messages.Last(m => m.Role == ChatRole.User).Text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("echo", null, Model) : null;

        public void Dispose() { }
    }
}
