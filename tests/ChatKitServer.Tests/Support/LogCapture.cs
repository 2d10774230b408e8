using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace ChatKitServer.Tests.Support;

/// <summary>The server's log lines (Warning and above, as <see cref="ServerFactory"/> sets), through a Serilog sink it reads from the services.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Emit(LogEvent logEvent) => _lines.Enqueue($"{logEvent.Level}: {logEvent.RenderMessage()}");

    public void AddTo(IServiceCollection services) => services.AddSingleton<ILogEventSink>(this);
}
