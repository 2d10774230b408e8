using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// The subscribers of this process and a bounded replay buffer per stream. Delivery is ordered by
/// event id; a subscriber that reconnects first gets the kept widgets after its last id, then live
/// ones, never the same id twice.
/// </summary>
public sealed class LocalWidgetStreams(int replayLimit)
{
    private sealed class Stream
    {
        public readonly object Gate = new();
        public readonly LinkedList<WidgetStreamMessage> Kept = new();
        public readonly List<Channel<WidgetStreamMessage>> Subscribers = [];
    }

    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);

    /// <summary>Hands a published widget to the local subscribers and keeps it for replay.</summary>
    public void Deliver(string streamId, WidgetStreamMessage message)
    {
        var stream = _streams.GetOrAdd(streamId, _ => new Stream());
        lock (stream.Gate)
        {
            if (stream.Kept.Last is { } last && last.Value.Id >= message.Id) return; // already seen (or out of order)
            stream.Kept.AddLast(message);
            while (stream.Kept.Count > replayLimit) stream.Kept.RemoveFirst();
            foreach (var subscriber in stream.Subscribers) subscriber.Writer.TryWrite(message);
        }
    }

    /// <summary>Kept widgets after <paramref name="lastEventId"/> (from <paramref name="kept"/> when given, e.g. a shared store), then live ones.</summary>
    public async IAsyncEnumerable<WidgetStreamMessage> SubscribeAsync(
        string streamId, long? lastEventId, Func<CancellationToken, Task<IReadOnlyList<WidgetStreamMessage>>>? kept,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = _streams.GetOrAdd(streamId, _ => new Stream());
        var channel = Channel.CreateBounded<WidgetStreamMessage>(new BoundedChannelOptions(Math.Max(16, replayLimit)) { FullMode = BoundedChannelFullMode.DropOldest });
        List<WidgetStreamMessage> backlog;
        lock (stream.Gate)
        {
            stream.Subscribers.Add(channel);
            backlog = stream.Kept.ToList();
        }
        try
        {
            if (kept is not null) backlog = [.. await kept(cancellationToken)];
            // A reconnecting client gets what came after the last id it saw; a new one starts from now.
            var sent = lastEventId ?? (backlog.Count > 0 ? backlog.Max(m => m.Id) : long.MinValue);
            foreach (var message in backlog.Where(m => m.Id > sent).OrderBy(m => m.Id))
            {
                yield return message;
                sent = message.Id;
            }
            await foreach (var message in channel.Reader.ReadAllAsync(cancellationToken))
            {
                if (message.Id <= sent) continue;
                yield return message;
                sent = message.Id;
            }
        }
        finally
        {
            lock (stream.Gate) stream.Subscribers.Remove(channel);
        }
    }
}
