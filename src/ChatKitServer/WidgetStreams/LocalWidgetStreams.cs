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
/// <para>
/// With a shared replay list (<c>readShared</c>, Redis), widgets published elsewhere come in through <see cref="Deliver"/>
/// and a stream's ids grow by one there. A widget whose id is not the next one (this process was not listening for a
/// while; or Redis restarted empty and the ids jumped ahead) is held while the stream catches up: it reads the shared list
/// and hands what it had not seen, held widgets included, in id order; <see cref="CatchUpAll"/> does the same for every
/// stream held here once this process listens again after an outage. So an open subscription gets every widget once, in
/// order, as long as the list still keeps it.
/// </para>
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
        /// <summary>Reading the shared list: widgets coming in meanwhile wait in <see cref="Held"/>.</summary>
        public bool CatchingUp;
        /// <summary>Asked to catch up again while it was reading (this process listens again since the read began).</summary>
        public bool CatchUpAgain;
        public readonly List<WidgetStreamMessage> Held = [];
    }

    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly int _replayLimit;
    private readonly int _maxStreams;
    private readonly TimeSpan _idleExpiry;
    private readonly TimeProvider _time;
    private readonly bool _keepIdleStreams;
    private readonly ITimer _sweeper;
    private readonly Func<string, CancellationToken, Task<IReadOnlyList<WidgetStreamMessage>>>? _readShared;
    private readonly ILogger? _logger;
    private readonly CancellationTokenSource _closing = new();
    private long _lastId;

    /// <summary>
    /// Streams keeping <paramref name="replayLimit"/> widgets each, at most <paramref name="maxStreams"/> idle ones, dropped
    /// after <paramref name="idleExpiry"/>; <paramref name="keepIdleStreams"/>: false when a shared store keeps the replay.
    /// <paramref name="readShared"/>: that store's replay list of a stream (Redis), read to catch up on widgets
    /// <see cref="Deliver"/> did not get; <paramref name="logger"/> tells of catch-ups. <paramref name="time"/> for the tests.
    /// </summary>
    public LocalWidgetStreams(int replayLimit, int maxStreams, TimeSpan idleExpiry, TimeProvider time, bool keepIdleStreams = true,
        Func<string, CancellationToken, Task<IReadOnlyList<WidgetStreamMessage>>>? readShared = null, ILogger? logger = null)
    {
        _readShared = readShared;
        _logger = logger;
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

    /// <summary>
    /// Hands a widget published elsewhere (through Redis) to this process's subscribers of its stream, if any. With a shared
    /// list, a widget that is not the next one of its stream waits until the stream caught up from the list.
    /// </summary>
    public void Deliver(string streamId, WidgetStreamMessage message)
    {
        if (!_streams.TryGetValue(streamId, out var stream)) return;
        lock (stream.Gate)
        {
            if (stream.Removed || message.Id <= stream.LastId) return; // already seen (or out of order)
            if (_readShared is not null && (stream.CatchingUp || message.Id != stream.LastId + 1))
            {
                // The first widget a stream gets here catches up too: what came between the subscribers' first read of the
                // list and it is not known to have arrived.
                stream.Held.Add(message);
                StartCatchUp(streamId, stream);
                return;
            }
            if (_keepIdleStreams) Keep(stream, message);
            Hand(stream, message);
        }
    }

    /// <summary>
    /// Every stream held here reads the shared list and hands what it had not seen: called once this process listens again
    /// after its subscription to the shared channel was lost (widgets published meanwhile reached no one here). Returns how many.
    /// </summary>
    public int CatchUpAll()
    {
        if (_readShared is null) return 0;
        var count = 0;
        foreach (var (id, stream) in _streams)
        {
            lock (stream.Gate)
            {
                if (stream.Removed) continue;
                StartCatchUp(id, stream);
                count++;
            }
        }
        return count;
    }

    /// <summary>Called under the stream's lock.</summary>
    private void StartCatchUp(string streamId, Stream stream)
    {
        if (stream.CatchingUp)
        {
            stream.CatchUpAgain = true;
            return;
        }
        stream.CatchingUp = true;
        _ = Task.Run(() => CatchUpAsync(streamId, stream));
    }

    private async Task CatchUpAsync(string streamId, Stream stream)
    {
        var failures = 0;
        while (true)
        {
            IReadOnlyList<WidgetStreamMessage>? shared = null;
            try
            {
                shared = await _readShared!(streamId, _closing.Token);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Redis away again, most likely: try again a little later while the stream still has subscribers. After
                // about half a minute the held widgets go out anyway (a stalled stream is worse than one with a gap).
                failures++;
                if (failures < 10)
                {
                    _logger?.LogDebug(ex, "Widget stream {StreamId} could not read its replay list to catch up (attempt {Attempt})", streamId, failures);
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, failures)), _time, _closing.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    lock (stream.Gate)
                    {
                        if (!stream.Removed) continue;
                        stream.CatchingUp = false;
                        stream.Held.Clear();
                        return;
                    }
                }
                _logger?.LogWarning(ex, "Widget stream {StreamId} could not read its replay list to catch up; {HeldCount} widgets go out without what may have come before them", streamId, stream.Held.Count);
            }
            lock (stream.Gate)
            {
                if (stream.Removed)
                {
                    stream.CatchingUp = false;
                    stream.Held.Clear();
                    return;
                }
                // The list holds every widget published before the read (up to the replay limit); those published after
                // came in live and are held. Both, in id order, past the last one handed.
                var missed = 0;
                var known = stream.LastId > 0; // before a stream's first widget here, the list is mostly what its subscribers read already
                var held = stream.Held.Select(m => m.Id).ToHashSet();
                foreach (var message in (shared ?? []).Concat(stream.Held).Where(m => m.Id > stream.LastId).DistinctBy(m => m.Id).OrderBy(m => m.Id).ToList())
                {
                    if (!held.Contains(message.Id)) missed++;
                    if (_keepIdleStreams) Keep(stream, message);
                    Hand(stream, message);
                }
                stream.Held.Clear();
                if (known && missed > 0) _logger?.LogInformation("Widget stream {StreamId} caught up on {MissedCount} widgets from its replay list", streamId, missed);
                if (!stream.CatchUpAgain)
                {
                    stream.CatchingUp = false;
                    return;
                }
                stream.CatchUpAgain = false;
                failures = 0;
            }
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

    public void Dispose()
    {
        _sweeper.Dispose();
        _closing.Cancel();
    }

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
