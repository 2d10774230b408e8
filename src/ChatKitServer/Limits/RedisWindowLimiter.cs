using System.Diagnostics;
using System.Threading.RateLimiting;
using ChatKitServer.Redis;
using StackExchange.Redis;

namespace ChatKitServer.Limits;

/// <summary>
/// A fixed window counted in Redis: one key per caller and limit, incremented by each request and expiring a window
/// after its first (Redis keeps the time, so instances whose clocks differ agree). A request beyond the limit is
/// refused with the time left in the window as its <c>Retry-After</c>. When Redis is not connected, or does not answer
/// within a second, the request is counted by <paramref name="local"/>, this instance's own window, instead.
/// </summary>
internal sealed class RedisWindowLimiter(SharedRedis redis, RedisKey key, int permits, TimeSpan window, RateLimiter local, LimitWindows owner) : RateLimiter
{
    private static readonly LuaScript Count = LuaScript.Prepare("""
        local count = redis.call('INCRBY', @key, tonumber(@permits))
        local left = redis.call('PTTL', @key)
        if left < 0 then
          redis.call('PEXPIRE', @key, tonumber(@window))
          left = tonumber(@window)
        end
        return { count, left }
        """);

    /// <summary>How long a request waits for Redis before it is counted here instead.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);

    private static readonly RateLimitLease NotWithoutRedis = new Lease(false, null);
    private static readonly RateLimitLease Granted = new Lease(true, null);

    private int _waiting;
    private long _idleSince = Stopwatch.GetTimestamp();

    public override TimeSpan? IdleDuration => Volatile.Read(ref _waiting) > 0 ? null : Stopwatch.GetElapsedTime(Volatile.Read(ref _idleSince));

    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>Nothing is decided without Redis: the middleware then asks <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotWithoutRedis;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (redis.Connected is not { } connection)
        {
            owner.CountedHere(null);
            return local.AttemptAcquire(permitCount);
        }
        Interlocked.Increment(ref _waiting);
        try
        {
            var counted = (RedisResult[])(await connection.GetDatabase()
                .ScriptEvaluateAsync(Count, new { key, permits = permitCount, window = (long)window.TotalMilliseconds })
                .WaitAsync(Patience, cancellationToken))!;
            owner.CountedInRedis();
            return (long)counted[0] <= permits ? Granted : new Lease(false, TimeSpan.FromMilliseconds(Math.Max(1, (long)counted[1])));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            owner.CountedHere(ex);
            return local.AttemptAcquire(permitCount);
        }
        finally
        {
            Volatile.Write(ref _idleSince, Stopwatch.GetTimestamp());
            Interlocked.Decrement(ref _waiting);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) local.Dispose();
        base.Dispose(disposing);
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
