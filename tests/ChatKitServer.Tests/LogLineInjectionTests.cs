using System.Collections.Concurrent;
using System.Net;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace ChatKitServer.Tests;

/// <summary>
/// Values from a request cannot forge lines in a text log: a path with <c>%0A</c> or an id with a line feed is logged
/// with the line feed escaped; and an error does not send back the hundred kilobytes a caller put in an id.
/// </summary>
public class LogLineInjectionTests
{
    private const string Forged = "[07:00:00 ERR] Forged";

    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    /// <summary>Every event as the console writes it (appsettings.json's output template).</summary>
    private static List<string> ConsoleLines(CapturingSink sink)
    {
        var formatter = new MessageTemplateTextFormatter("[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        var text = new StringWriter();
        foreach (var e in sink.Events) formatter.Format(e, text);
        return text.ToString().Split('\n').ToList();
    }

    [Test]
    public async Task A_line_feed_in_a_path_or_an_id_is_logged_escaped_and_starts_no_line()
    {
        var sink = new CapturingSink();
        using var factory = new ServerFactory(
            new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Information" }, // the refusal's own line
            services: s => s.AddSingleton<ILogEventSink>(sink));
        var client = factory.ClientFor("alice");

        using var path = await client.Http.PostAsync("/chat%0A%5B07:00:00%20ERR%5D%20Forged", new StringContent("{}"));
        var id = await Refusals.RefusedAsync(() => client.GetThreadAsync("thr_x\n" + Forged + "\r\nmore"));

        path.StatusCode.Should().Be(HttpStatusCode.NotFound);
        id.StatusCode.Should().Be(404);
        id.Detail.Should().Be("Thread 'thr_x\\n[07:00:00 ERR] Forged\\r\\nmore' was not found.");
        var lines = ConsoleLines(sink);
        lines.Should().Contain(l => l.Contains("/chat\\n[07:00:00 ERR] Forged"), "the path is logged, escaped");
        lines.Should().Contain(l => l.Contains("thr_x\\n[07:00:00 ERR] Forged"), "the id is logged, escaped");
        lines.Should().NotContain(l => l.StartsWith(Forged, StringComparison.Ordinal) || l.StartsWith("more", StringComparison.Ordinal));
    }

    [Test]
    public async Task An_id_of_a_hundred_thousand_characters_is_not_sent_back_nor_logged_whole()
    {
        var sink = new CapturingSink();
        using var factory = new ServerFactory(
            new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Information" },
            services: s => s.AddSingleton<ILogEventSink>(sink));
        var client = factory.ClientFor("alice");
        var id = "thr_" + new string('a', 100_000);

        var refusal = await Refusals.RefusedAsync(() => client.GetThreadAsync(id));

        refusal.StatusCode.Should().Be(404);
        refusal.Detail.Should().Be($"Thread '{id[..100]}… (100004 characters)' was not found.");
        var lines = ConsoleLines(sink);
        lines.Should().Contain(l => l.Contains("… (100004 characters)"), "the refusal is logged, with the id cut");
        lines.Should().OnlyContain(l => l.Length < 2_000);
    }
}
