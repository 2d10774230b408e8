using ChatKit.Json;
using ChatKit.Widgets;
using ChatKitServer.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// Widget streams shared by every server instance through Redis: a Lua script gives each widget
/// its id, keeps it in a bounded list and publishes it in one atomic step (so ids arrive in order
/// everywhere); each instance listens to the pattern channel and hands widgets to its own
/// subscribers; reconnecting clients replay from the shared list, whichever instance they reach.
/// The instance starts listening at start, while Redis answers (a hosted service after <see cref="SharedRedis"/>): the
/// connection then subscribes again by itself after every outage. A first subscription attempted during an outage
/// would stay failed for the life of the process.
/// <para>
/// Pub/sub does not keep what was published while an instance was not listening (Redis restarting, a network blip). So
/// once the connection listens again, every stream held here catches up from its replay list (<see cref="LocalWidgetStreams.CatchUpAll"/>),
/// and a widget arriving with an id that is not its stream's next one makes that stream catch up first: open subscriptions
/// stay open through an outage (keep-alives go on) and then get every widget published meanwhile, once, in order.
/// </para>
/// </summary>
public sealed class RedisWidgetSseService : IWidgetSseService, IHostedService, IAsyncDisposable
{
    private const string Prefix = "chatkit:widgets:";

    // A stream's ids count on from Redis's clock in microseconds when its sequence is new, or was lost (Redis restarted
    // empty, the key evicted): counting from 1 again, every subscriber that had seen a higher id (and every client
    // reconnecting with one) would take the new widgets for old ones and drop them.
    private static readonly LuaScript Publish = LuaScript.Prepare("""
        if redis.call('EXISTS', @seq) == 0 then
          local now = redis.call('TIME')
          redis.call('SET', @seq, now[1] .. string.format('%06d', tonumber(now[2])))
        end
        local id = redis.call('INCR', @seq)
        local entry = string.format('%d', id) .. ' ' .. @widget -- not id .. ' ': Lua writes a number this large as 1.7e+15
        if tonumber(@limit) > 0 then
          redis.call('RPUSH', @kept, entry)
          redis.call('LTRIM', @kept, -tonumber(@limit), -1)
          redis.call('EXPIRE', @kept, tonumber(@ttl))
        end
        redis.call('PUBLISH', @channel, entry)
        return id
        """);

    private readonly Lazy<Task<ConnectionMultiplexer>> _redis;
    private readonly LocalWidgetStreams _local;
    private readonly int _limit;
    private readonly int _keptSeconds;
    private readonly ILogger<RedisWidgetSseService> _logger;

    public RedisWidgetSseService(SharedRedis redis, IOptions<WidgetStreamOptions> options, TimeProvider time, ILogger<RedisWidgetSseService> logger)
    {
        _limit = options.Value.ReplayLimit;
        _keptSeconds = (int)Math.Ceiling(options.Value.IdleExpiry.TotalSeconds);
        // Redis keeps the replay; this process holds a stream only while it has subscribers here.
        _logger = logger;
        _local = new LocalWidgetStreams(_limit, options.Value.MaxStreams, options.Value.IdleExpiry, time, keepIdleStreams: false, ReadSharedAsync, logger);
        _redis = new Lazy<Task<ConnectionMultiplexer>>(() => ListenAsync(redis));
    }

    public Task StartAsync(CancellationToken cancellationToken) => _redis.Value.WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The shared connection, once this instance listens to every stream's channel on it.</summary>
    private async Task<ConnectionMultiplexer> ListenAsync(SharedRedis shared)
    {
        var redis = await shared.ConnectAsync();
        redis.ConnectionRestored += (_, restored) => _ = CatchUpAsync(redis, restored);
        var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Pattern(Prefix + "*"));
        channel.OnMessage(message =>
        {
            var streamId = message.Channel.ToString()[Prefix.Length..];
            if (Parse(message.Message) is { } widget) _local.Deliver(streamId, widget);
        });
        _logger.LogInformation("Widget streams go through Redis at {RedisEndpoints}", string.Join(", ", redis.GetEndPoints().Select(e => e.ToString())));
        return redis;
    }

    /// <summary>
    /// After a connection came back: once the pattern subscription is in place again, every stream held here reads its
    /// replay list for what was published while this instance was not listening.
    /// </summary>
    private async Task CatchUpAsync(ConnectionMultiplexer redis, ConnectionFailedEventArgs restored)
    {
        try
        {
            // The subscription lives on its own connection (RESP2), or on the only one (RESP3).
            if (restored.ConnectionType != ConnectionType.Subscription
                && !(restored.ConnectionType == ConnectionType.Interactive && redis.GetServer(restored.EndPoint).Protocol == RedisProtocol.Resp3))
                return;
            // The connection sent PSUBSCRIBE again just before raising the event, on the connection the subscriber's PING
            // goes through: its answer means the subscription is in place, so whatever is published after the read below
            // comes in live, and whatever came before is in the list.
            await redis.GetSubscriber().PingAsync();
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Widget streams could not check their Redis subscription after a reconnection; the next one catches up");
            return;
        }
        var streams = _local.CatchUpAll();
        _logger.LogInformation("Widget streams listen to Redis again at {RedisEndpoint}; {StreamCount} streams held here catch up from their replay lists", restored.EndPoint, streams);
    }

    private async Task<IReadOnlyList<WidgetStreamMessage>> ReadSharedAsync(string streamId, CancellationToken cancellationToken)
    {
        var redis = await _redis.Value;
        var kept = await redis.GetDatabase().ListRangeAsync(Kept(streamId)).WaitAsync(cancellationToken);
        return [.. kept.Select(Parse).OfType<WidgetStreamMessage>()];
    }

    // The braces make the stream id a Redis Cluster hash tag: all keys of a stream share a slot.
    private static RedisKey Seq(string streamId) => Prefix + "{" + streamId + "}:seq";
    private static RedisKey Kept(string streamId) => Prefix + "{" + streamId + "}:kept";

    public async Task<long> PublishAsync(string streamId, WidgetRoot widget, CancellationToken cancellationToken = default)
    {
        WidgetStreamIds.Check(streamId);
        var redis = await _redis.Value;
        try
        {
            var id = await redis.GetDatabase().ScriptEvaluateAsync(Publish, new
            {
                seq = Seq(streamId),
                kept = Kept(streamId),
                channel = (RedisKey)(Prefix + streamId),
                widget = ChatKitJson.Serialize(widget),
                limit = _limit,
                ttl = _keptSeconds,
            });
            return (long)id;
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new WidgetStreamsUnavailableException(ex);
        }
    }

    /// <summary>Whether the shared connection is up and Redis answers a PING (a subscription reads its replay list there first).</summary>
    public async Task EnsureAvailableAsync(CancellationToken cancellationToken)
    {
        var redis = await _redis.Value;
        // While the connection is down, commands wait in its backlog until they time out: refuse at once instead.
        if (!redis.IsConnected) throw new WidgetStreamsUnavailableException(null, subscribing: true);
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new WidgetStreamsUnavailableException(ex, subscribing: true);
        }
    }

    public async IAsyncEnumerable<WidgetStreamMessage> SubscribeAsync(string streamId, long? lastEventId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        WidgetStreamIds.Check(streamId);
        var redis = await _redis.Value;
        await foreach (var message in _local.SubscribeAsync(streamId, lastEventId, ct => ReadSharedAsync(streamId, ct), cancellationToken))
            yield return message;
    }

    private static WidgetStreamMessage? Parse(RedisValue entry)
    {
        var text = entry.ToString();
        var space = text.IndexOf(' ');
        return space > 0 && long.TryParse(text.AsSpan(0, space), out var id) ? new WidgetStreamMessage(id, text[(space + 1)..]) : null;
    }

    /// <summary>Drops this instance's subscribers; the connection is <see cref="SharedRedis"/>'s to close.</summary>
    public ValueTask DisposeAsync()
    {
        _local.Dispose();
        return ValueTask.CompletedTask;
    }
}
