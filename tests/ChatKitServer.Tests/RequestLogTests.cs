using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace ChatKitServer.Tests;

/// <summary>The request log says the status actually sent: client errors at Warning without a stack trace, server errors at Error.</summary>
public class RequestLogTests
{
    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    /// <summary>A store whose every call fails with a bug, not a database outage.</summary>
    public class BrokenStore : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => throw new InvalidOperationException("The store is broken.");
    }

    private static LogEvent RequestLog(CapturingSink sink, string path) =>
        sink.Events.Single(e => e.MessageTemplate.Text.StartsWith("HTTP ") && e.Properties["RequestPath"].ToString() == $"\"{path}\"");

    [Test]
    public async Task A_handled_404_is_logged_as_a_404_at_warning_without_a_stack_trace()
    {
        var sink = new CapturingSink();
        using var factory = new ServerFactory(services: s => s.AddSingleton<ILogEventSink>(sink));
        var client = factory.ClientFor("alice");

        var missing = await Refusals.RefusedAsync(() => client.GetThreadAsync("thr_missing"));
        using var nowhere = await client.Http.GetAsync("/no-such-page");

        missing.StatusCode.Should().Be(404);
        nowhere.StatusCode.Should().Be(HttpStatusCode.NotFound);
        foreach (var log in new[] { RequestLog(sink, "/chatkit"), RequestLog(sink, "/no-such-page") })
        {
            log.Properties["StatusCode"].ToString().Should().Be("404");
            log.Level.Should().Be(LogEventLevel.Warning);
            log.Exception.Should().BeNull("a client error is not a server fault: no stack trace");
        }
        sink.Events.Where(e => e.Level >= LogEventLevel.Error).Should().BeEmpty();
        sink.Events.Where(e => e.Exception is not null).Should().BeEmpty();
    }

    [Test]
    public async Task A_server_error_is_logged_as_a_500_at_error_with_its_exception()
    {
        var sink = new CapturingSink();
        using var factory = new ServerFactory(services: s =>
        {
            s.AddSingleton<ILogEventSink>(sink);
            s.AddSingleton(_ => DispatchProxy.Create<ChatKit.IChatKitStore, BrokenStore>());
        });
        var client = factory.ClientFor("alice");

        var response = await Refusals.RefusedAsync(() => client.ListThreadsAsync());

        response.StatusCode.Should().Be(500);
        var log = RequestLog(sink, "/chatkit");
        log.Properties["StatusCode"].ToString().Should().Be("500");
        log.Level.Should().Be(LogEventLevel.Error);
        sink.Events.Should().Contain(e => e.Level == LogEventLevel.Error && e.Exception is InvalidOperationException, "the handler logs the fault with its stack trace");
    }

    [Test]
    public async Task One_logger_per_category_serves_every_request_and_still_writes_to_serilog()
    {
        var sink = new CapturingSink();
        using var factory = new ServerFactory(services: s => s.AddSingleton<ILogEventSink>(sink));
        var loggers = factory.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>();

        // Serilog's own factory made a new logger (881 bytes) on every call; ILogger<T> and per-request code call it.
        loggers.Should().BeOfType<ChatKitServer.Hosting.CachedLoggerFactory>();
        loggers.CreateLogger("ChatKitServer.Tests.Category").Should().BeSameAs(loggers.CreateLogger("ChatKitServer.Tests.Category"));
        using (var scope = factory.Services.CreateScope())
            scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().Should().BeSameAs(loggers);
        Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(loggers.CreateLogger("ChatKitServer.Tests.Category"), "cached logger {Number}", 42);
        (await factory.ClientFor("alice").ListThreadsAsync()).Data.Should().BeEmpty("requests run on the cached loggers");

        sink.Events.Should().Contain(e => e.MessageTemplate.Text == "cached logger {Number}" && e.Properties["SourceContext"].ToString() == "\"ChatKitServer.Tests.Category\"");
    }
}
