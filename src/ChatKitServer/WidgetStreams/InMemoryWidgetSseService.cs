using System.Collections.Concurrent;
using ChatKit.Json;
using ChatKit.Widgets;
using Microsoft.Extensions.Options;

namespace ChatKitServer.WidgetStreams;

/// <summary>Widget streams inside one process (the default).</summary>
public sealed class InMemoryWidgetSseService(IOptions<WidgetStreamOptions> options) : IWidgetSseService
{
    private readonly LocalWidgetStreams _local = new(options.Value.ReplayLimit);
    private readonly ConcurrentDictionary<string, long> _ids = new(StringComparer.Ordinal);

    public Task<long> PublishAsync(string streamId, WidgetRoot widget, CancellationToken cancellationToken = default)
    {
        WidgetStreamIds.Check(streamId);
        var json = ChatKitJson.Serialize(widget);
        long id;
        lock (_ids)
        {
            id = _ids.AddOrUpdate(streamId, 1, (_, last) => last + 1);
            _local.Deliver(streamId, new WidgetStreamMessage(id, json));
        }
        return Task.FromResult(id);
    }

    public IAsyncEnumerable<WidgetStreamMessage> SubscribeAsync(string streamId, long? lastEventId, CancellationToken cancellationToken) =>
        _local.SubscribeAsync(WidgetStreamIds.Check(streamId), lastEventId, null, cancellationToken);
}
