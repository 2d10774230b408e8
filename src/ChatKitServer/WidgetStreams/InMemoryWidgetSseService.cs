using ChatKit.Json;
using ChatKit.Widgets;
using Microsoft.Extensions.Options;

namespace ChatKitServer.WidgetStreams;

/// <summary>Widget streams inside one process (the default).</summary>
public sealed class InMemoryWidgetSseService(IOptions<WidgetStreamOptions> options, TimeProvider time) : IWidgetSseService, IDisposable
{
    private readonly LocalWidgetStreams _local = new(options.Value.ReplayLimit, options.Value.MaxStreams, options.Value.IdleExpiry, time);

    /// <summary>Streams held in memory now (for tests and diagnostics).</summary>
    public int StreamCount => _local.Count;

    public Task<long> PublishAsync(string streamId, WidgetRoot widget, CancellationToken cancellationToken = default)
    {
        WidgetStreamIds.Check(streamId);
        return Task.FromResult(_local.Publish(streamId, ChatKitJson.Serialize(widget)));
    }

    public IAsyncEnumerable<WidgetStreamMessage> SubscribeAsync(string streamId, long? lastEventId, CancellationToken cancellationToken) =>
        _local.SubscribeAsync(WidgetStreamIds.Check(streamId), lastEventId, null, cancellationToken);

    public void Dispose() => _local.Dispose();
}
