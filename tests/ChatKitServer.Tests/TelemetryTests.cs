using System.Diagnostics;
using ChatKit;
using ChatKitServer.Assistant.Models;
using ChatKitServer.Tests.Support;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatKitServer.Tests;

/// <summary>
/// OpenTelemetry through the real pipeline, collected with the in-memory exporter: a turn with a tool call
/// produces the request's span with the model call, the tool call and the store writes inside it, and the
/// metric points of turns, time to first event, active streams, tokens, tool calls and errors.
/// </summary>
public class TelemetryTests
{
    private readonly List<Activity> _spans = [];
    private readonly List<Metric> _metrics = [];

    /// <summary>NUnit runs every test of the class on one instance: each starts with nothing collected.</summary>
    [SetUp]
    public void Clear()
    {
        _spans.Clear();
        _metrics.Clear();
    }

    /// <summary>A server on the scripted model answering from <paramref name="script"/>, its telemetry collected in memory (so collected: no OTLP, no Prometheus).</summary>
    private ServerFactory Start(string script, Action<IServiceCollection>? services = null) => new(new() { ["Assistant:AutoTitles"] = "false", ["Telemetry:Collect"] = "true" }, s =>
    {
        s.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
        s.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics));
        services?.Invoke(s);
    }, inlineScript: script);

    private void Flush(ServerFactory factory)
    {
        factory.Services.GetRequiredService<TracerProvider>().ForceFlush();
        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();
    }

    [Test]
    public async Task A_turn_with_a_tool_call_produces_its_spans_and_metric_points()
    {
        using var factory = Start("""
            { "turns": [ { "match": "*", "toolCalls": [ { "name": "search_threads", "arguments": { "query": "pancakes" } } ],
                           "then": ["Nothing ", "found."], "promptTokens": 10, "completionTokens": 4 } ] }
            """);
        var client = factory.ClientFor("alice");

        var stream = await client.CreateThreadAsync(ChatKitClient.Text("find my pancakes")).CollectAsync();
        await client.RefusedAsync(new ThreadsAddUserMessageRequest { Params = new() { ThreadId = "thr_missing", Input = ChatKitClient.Text("hello") } });
        Flush(factory);

        stream.Should().HaveAssistantText("Nothing found.");
        var request = _spans.Should().ContainSingle(s => s.DisplayName == "chatkit threads.create").Subject;
        request.GetTagItem(ChatKitTelemetry.RequestTypeTag).Should().Be("threads.create");
        request.GetTagItem(ChatKitTelemetry.ThreadTag).Should().Be(stream.ThreadId);
        // The HTTP server span (ASP.NET Core's) is the request span's parent; everything else of the trace is inside it.
        request.Parent?.Source.Name.Should().Be("Microsoft.AspNetCore");
        var inside = _spans.Where(s => s.TraceId == request.TraceId && s != request && s.Source.Name != "Microsoft.AspNetCore").ToList();
        inside.Where(s => s.DisplayName == "chat scripted").Should().HaveCount(2, "two model rounds: the tool call, then the answer");
        var tool = inside.Should().ContainSingle(s => s.DisplayName == "execute_tool search_threads").Subject;
        tool.GetTagItem("gen_ai.tool.name").Should().Be("search_threads");
        inside.Select(s => s.DisplayName).Should().Contain(["chatkit.store SaveNewThread", "chatkit.store AddThreadItem"], "the thread and its first message are one write, the answer another");
        inside.Should().OnlyContain(s => IsWithin(s, request), "every span of the turn hangs under the request's span");
        _spans.Should().Contain(s => s.DisplayName == "chatkit threads.add_user_message" && s.Status == ActivityStatusCode.Error);

        Sum("chatkit.turns", ("chatkit.request.type", "threads.create")).Should().Be(1);
        Count("chatkit.stream.time_to_first_event").Should().BeGreaterThanOrEqualTo(1);
        Sum("chatkit.stream.active").Should().Be(0, "the stream was opened and closed");
        Sum("chatkit.tokens", ("gen_ai.token.type", "input")).Should().Be(20, "10 prompt tokens in each of the two rounds");
        Sum("chatkit.tokens", ("gen_ai.token.type", "output")).Should().Be(8);
        Sum("chatkit.tool.calls", ("gen_ai.tool.name", "search_threads"), ("chatkit.tool.outcome", "ok")).Should().Be(1);
        Sum("chatkit.errors", ("error.type", "404")).Should().Be(1, "the message to a thread that does not exist");
        _metrics.Should().Contain(m => m.Name == "gen_ai.client.token.usage", "the model calls' own GenAI metrics");
    }

    [Test]
    public async Task A_tool_name_the_model_made_up_is_not_a_metric_label()
    {
        // The name of a call comes from the model, which the user's text steers: counted by it, every made-up name
        // would be a series of its own (up to the SDK's limit, after which real tools' calls fold into its overflow).
        using var factory = Start("""{ "turns": [ { "match": "*", "reply": ["unused"] } ] }""",
            services => services.Replace(ServiceDescriptor.Singleton<IChatClient>(new CallsWhatItIsTold())));
        var client = factory.ClientFor("alice");

        (await client.CreateThreadAsync(ChatKitClient.Text("made_up_1 made_up_2 search_threads")).CollectAsync()).Should().HaveAssistantText("Done.");
        Flush(factory);

        Points("chatkit.tool.calls").SelectMany(TagValues("gen_ai.tool.name")).Should().BeEquivalentTo(["_OTHER", "search_threads"]);
        Sum("chatkit.tool.calls", ("gen_ai.tool.name", "_OTHER"), ("chatkit.tool.outcome", "error")).Should().Be(2);
        Sum("chatkit.tool.calls", ("gen_ai.tool.name", "search_threads"), ("chatkit.tool.outcome", "ok")).Should().Be(1);
    }

    [Test]
    public async Task Metrics_can_be_scraped_by_Prometheus_when_asked()
    {
        using var factory = new ServerFactory(new() { ["Telemetry:Prometheus"] = "true" });
        var client = factory.ClientFor("alice");
        await client.CreateThreadAsync(ChatKitClient.Text("count me")).CollectAsync();

        var scraped = await client.Http.GetStringAsync("/metrics");

        scraped.Should().Contain("chatkit_turns_total").And.Contain("chatkit_request_type=\"threads.create\"");
        scraped.Should().Contain("chatkit_stream_time_to_first_event_seconds_bucket");
    }

    [Test]
    public async Task With_a_metrics_port_the_metrics_are_served_on_that_port_only()
    {
        // /metrics answered anyone who could reach the server; an operator can now keep it on a port of its own.
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-metrics-port", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        var (publicPort, metricsPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
        using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__ChatKit"] = $"Data Source={Path.Combine(folder, "chatkit.db")}",
            ["Kestrel__Endpoints__Public__Url"] = $"http://127.0.0.1:{publicPort}",
            ["Kestrel__Endpoints__Metrics__Url"] = $"http://127.0.0.1:{metricsPort}",
            ["Telemetry__Prometheus"] = "true", ["Telemetry__PrometheusPort"] = metricsPort.ToString(),
        }, publicPort, home: null);
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

        using var onPublic = await server.Http.GetAsync("/metrics");
        using var postedOnPublic = await server.Http.PostAsync("/metrics", new StringContent(""));
        using var onMetrics = await metrics.GetAsync("/metrics");
        using var postedOnMetrics = await metrics.PostAsync("/metrics", new StringContent(""));

        onPublic.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        postedOnPublic.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound, "a 405 would tell the public port that the endpoint is there");
        onMetrics.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        postedOnMetrics.StatusCode.Should().Be(System.Net.HttpStatusCode.MethodNotAllowed);
        postedOnMetrics.Content.Headers.Allow.Should().BeEquivalentTo("GET", "HEAD");
        (await onMetrics.Content.ReadAsStringAsync()).Should().Contain("# TYPE");
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public async Task Nothing_is_collected_when_nothing_is_exported()
    {
        using var factory = new ServerFactory(new() { ["Assistant:AutoTitles"] = "false" }, inlineScript: """{ "turns": [ { "match": "*", "reply": ["Hi."] } ] }""");

        factory.Services.GetService<TracerProvider>().Should().BeNull("no exporter, no Telemetry:Collect: no traces are collected");
        factory.Services.GetService<MeterProvider>().Should().BeNull();
        var model = factory.Services.GetRequiredService<Microsoft.Extensions.AI.IChatClient>().GetService(typeof(TracedWhenListened)) as TracedWhenListened;
        model.Should().NotBeNull("the model client is traced when something listens");
        model!.Listened.Should().BeFalse("nothing listens to the model's spans");
        (await factory.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).Should().HaveAssistantText("Hi.");
    }

    [Test]
    public void With_an_exporter_set_telemetry_is_collected_unless_turned_off()
    {
        using (var exported = new ServerFactory(new() { ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9" }))
            exported.Services.GetService<TracerProvider>().Should().NotBeNull();
        using var off = new ServerFactory(new() { ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9", ["Telemetry:Collect"] = "false" });
        off.Services.GetService<TracerProvider>().Should().BeNull();
    }

    [Test]
    public async Task Without_Prometheus_there_is_no_metrics_endpoint()
    {
        using var factory = new ServerFactory();
        using var http = factory.HttpClientFor("alice");

        (await http.GetAsync("/metrics")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    private bool IsWithin(Activity span, Activity root)
    {
        for (var parent = span.ParentSpanId; parent != default; parent = _spans.FirstOrDefault(s => s.SpanId == parent)?.ParentSpanId ?? default)
        {
            if (parent == root.SpanId) return true;
        }
        return false;
    }

    private IEnumerable<MetricPoint> Points(string name, params (string Key, string Value)[] tags)
    {
        var found = new List<MetricPoint>();
        foreach (var metric in _metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var pointTags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags) pointTags[tag.Key] = tag.Value;
                if (tags.All(t => Equals(pointTags.GetValueOrDefault(t.Key)?.ToString(), t.Value)))
                    found.Add(point);
            }
        }
        return found;
    }

    private static Func<MetricPoint, IEnumerable<string?>> TagValues(string key) => point =>
    {
        var values = new List<string?>();
        foreach (var tag in point.Tags)
            if (tag.Key == key) values.Add(tag.Value?.ToString());
        return values;
    };

    private long Sum(string name, params (string Key, string Value)[] tags)
    {
        var points = Points(name, tags).ToList();
        points.Should().NotBeEmpty($"the metric {name} has points");
        return points.Sum(p => p.GetSumLong());
    }

    private long Count(string name) => Points(name).Sum(p => p.GetHistogramCount());

    /// <summary>A model that does as the user says: calls a tool by each word of the message (named or not), then says "Done.".</summary>
    private sealed class CallsWhatItIsTold : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (messages.Last().Role == ChatRole.Tool)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, "Done.");
                yield break;
            }
            var words = messages.Last(m => m.Role == ChatRole.User).Text.Split(' ');
            yield return new ChatResponseUpdate(ChatRole.Assistant,
                words.Select((word, i) => (AIContent)new FunctionCallContent($"call_{i}", word, new Dictionary<string, object?> { ["query"] = "x" })).ToList());
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("obedient", null, "obedient-1") : null;

        public void Dispose() { }
    }
}
