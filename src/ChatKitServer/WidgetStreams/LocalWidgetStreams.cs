using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// The subscribers of this process and a bounded replay buffer per stream. Delivery is ordered by
/// event id; a subscriber that reconnects first gets the kept widgets after its last id, then live
/// ones, never the same id twice. Memory is bounded: a stream without subscribers is dropped after
/// <see cref="WidgetStreamOptions.IdleExpiry"/> without news, and when more than
/// <see cref="WidgetStreamOptions.MaxStreams"/> are kept the longest idle go first. With
/// <c>keepIdleStreams: false</c> (Redis keeps the replay) a stream lives only while it has subscribers.
/// </summary>
public sealed class LocalWidgetStreams : IDisposable
{
    private sealed class Stream(long now)
    {
        public readonly object Gate = new();
        public readonly LinkedList<WidgetStreamMessage> Kept = new();
        public readonly List<Channel<WidgetStreamMessage>> Subscribers = [];
        public long LastId;
        public long LastActive = now;
        public bool Removed;
    }

    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly int _replayLimit;
    private readonly int _maxStreams;
    private readonly TimeSpan _idleExpiry;
    private readonly TimeProvider _time;
    private readonly bool _keepIdleStreams;
    private readonly ITimer _sweeper;
    private long _lastId;

    public LocalWidgetStreams(int replayLimit, int maxStreams, TimeSpan idleExpiry, TimeProvider time, bool keepIdleStreams = true)
    {
        _replayLimit = replayLimit;
        _maxStreams = maxStreams;
        _idleExpiry = idleExpiry;
        _time = time;
        _keepIdleStreams = keepIdleStreams;
        // Ids count on from the clock in microseconds, as through Redis: counting from 1 after a restart, every client
        // reconnecting with the last id it saw would take the next widgets for old ones and never show them. A restart
        // repeats an id only if the last run published more than a million widgets a second of its life.
        _lastId = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / (TimeSpan.TicksPerMillisecond / 1000);
        var period = TimeSpan.FromTicks(Math.Clamp(idleExpiry.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _sweeper = time.CreateTimer(_ => DropIdle(), null, period, period);
    }

    /// <summary>Streams held in memory now.</summary>
    public int Count => _streams.Count;

    /// <summary>Whether <paramref name="streamId"/> is held in memory now (for tests).</summary>
    internal bool Holds(string streamId) => _streams.ContainsKey(streamId);

    /// <summary>Publishes in this process: gives the widget the next id (ids grow across streams and restarts, so they keep growing after a stream is dropped or the process restarted), hands it to the subscribers and keeps it for replay.</summary>
    public long Publish(string streamId, string widgetJson)
    {
        while (true)
        {
            var stream = Open(streamId);
            lock (stream.Gate)
            {
                if (stream.Removed) continue; // dropped meanwhile: open it again
                var message = new WidgetStreamMessage(Interlocked.Increment(ref _lastId), widgetJson);
                Keep(stream, message);
                Hand(stream, message);
                return message.Id;
            }
        }
    }

    /// <summary>Hands a widget published elsewhere (through Redis) to this process's subscribers of its stream, if any.</summary>
    public void Deliver(string streamId, WidgetStreamMessage message)
    {
        if (!_streams.TryGetValue(streamId, out var stream)) return;
        lock (stream.Gate)
        {
            if (stream.Removed || message.Id <= stream.LastId) return; // already seen (or out of order)
            if (_keepIdleStreams) Keep(stream, message);
            Hand(stream, message);
        }
    }

    /// <summary>Kept widgets after <paramref name="lastEventId"/> (from <paramref name="kept"/> when given, e.g. a shared store), then live ones.</summary>
    public async IAsyncEnumerable<WidgetStreamMessage> SubscribeAsync(
        string streamId, long? lastEventId, Func<CancellationToken, Task<IReadOnlyList<WidgetStreamMessage>>>? kept,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<WidgetStreamMessage>(new BoundedChannelOptions(Math.Max(16, _replayLimit)) { FullMode = BoundedChannelFullMode.DropOldest });
        Stream stream;
        List<WidgetStreamMessage> backlog;
        while (true)
        {
            stream = Open(streamId);
            lock (stream.Gate)
            {
                if (stream.Removed) continue;
                stream.Subscribers.Add(channel);
                backlog = stream.Kept.ToList();
                break;
            }
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
            lock (stream.Gate)
            {
                stream.Subscribers.Remove(channel);
                stream.LastActive = _time.GetTimestamp();
                if (!_keepIdleStreams && stream.Subscribers.Count == 0) Remove(streamId, stream);
            }
        }
    }

    /// <summary>Drops the streams without subscribers that have been idle for the expiry; returns how many.</summary>
    public int DropIdle()
    {
        var now = _time.GetTimestamp();
        var dropped = 0;
        foreach (var (id, stream) in _streams)
        {
            lock (stream.Gate)
            {
                if (stream.Subscribers.Count == 0 && _time.GetElapsedTime(stream.LastActive, now) >= _idleExpiry && Remove(id, stream))
                    dropped++;
            }
        }
        return dropped;
    }

    public void Dispose() => _sweeper.Dispose();

    private Stream Open(string streamId)
    {
        if (_streams.TryGetValue(streamId, out var stream)) return stream;
        var created = new Stream(_time.GetTimestamp());
        stream = _streams.GetOrAdd(streamId, created);
        if (ReferenceEquals(stream, created) && _streams.Count > _maxStreams)
            DropLongestIdle(streamId);
        return stream;
    }

    /// <summary>Over the bound: drops the longest idle streams without subscribers (a tenth of the bound at once, so this runs rarely).</summary>
    private void DropLongestIdle(string opening)
    {
        var target = _maxStreams - Math.Max(1, _maxStreams / 10);
        var candidates = _streams.Where(s => s.Key != opening).Select(s => (s.Key, s.Value, LastActive: Volatile.Read(ref s.Value.LastActive))).OrderBy(s => s.LastActive).ToList();
        foreach (var (id, stream, _) in candidates)
        {
            if (_streams.Count <= target) break;
            lock (stream.Gate)
            {
                if (stream.Subscribers.Count == 0) Remove(id, stream);
            }
        }
    }

    private void Keep(Stream stream, WidgetStreamMessage message)
    {
        stream.Kept.AddLast(message);
        while (stream.Kept.Count > _replayLimit) stream.Kept.RemoveFirst();
    }

    private void Hand(Stream stream, WidgetStreamMessage message)
    {
        stream.LastId = message.Id;
        stream.LastActive = _time.GetTimestamp();
        foreach (var subscriber in stream.Subscribers) subscriber.Writer.TryWrite(message);
    }

    /// <summary>Called under the stream's lock: later users of the same id open a new stream.</summary>
    private bool Remove(string streamId, Stream stream)
    {
        if (stream.Removed) return false;
        stream.Removed = true;
        return _streams.TryRemove(KeyValuePair.Create(streamId, stream));
    }
}
