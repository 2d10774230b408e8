using System.Threading.RateLimiting;
using ChatKitServer.Configuration;
using ChatKitServer.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Limits;

/// <summary>
/// Where the per-window limits are counted: in Redis when <c>Redis:ConnectionString</c> is set (unless
/// <c>RateLimiting:CountInRedis</c> is false), so a user's requests count together whichever instance behind the
/// load balancer they reach; else in this instance's memory. While Redis does not answer, each instance counts on
/// its own (a warning says so, at most once a minute) rather than refusing or failing requests.
/// The "at once" limits (open subscriptions, uploads in progress) are always this instance's: they guard its own
/// connections.
/// </summary>
public sealed class LimitWindows(SharedRedis? redis, IOptions<RateLimitOptions> options, TimeProvider clock, ILogger<LimitWindows> logger)
{
    private long _warnedAt = long.MinValue;
    private volatile bool _countingHere;

    /// <summary>Registers the one instance (once, whoever asks first: the <c>/chatkit</c> limit and the other endpoints' limits).</summary>
    internal static IServiceCollection Register(IServiceCollection services)
    {
        services.TryAddSingleton(sp => new LimitWindows(sp.GetService<SharedRedis>(), sp.GetRequiredService<IOptions<RateLimitOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<LimitWindows>>()));
        return services;
    }

    /// <summary>Whether the windows are counted in Redis, shared by every instance.</summary>
    public bool Shared => redis is not null && options.Value.CountInRedis;

    /// <summary>The limiter of one caller (<paramref name="caller"/>, e.g. <c>user:alice</c>) under one limit (<paramref name="limit"/>).</summary>
    public RateLimiter Create(string limit, string caller, int permits, TimeSpan window)
    {
        var local = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 });
        return Shared ? new RedisWindowLimiter(redis!, $"chatkit:limits:{limit}:{caller}", permits, window, local, this) : local;
    }

    /// <summary>A window was counted here because Redis did not answer (<paramref name="reason"/>: why, null when it was not connected).</summary>
    internal void CountedHere(Exception? reason)
    {
        _countingHere = true;
        var now = clock.GetTimestamp();
        var last = Interlocked.Read(ref _warnedAt);
        if (last != long.MinValue && clock.GetElapsedTime(last, now) < TimeSpan.FromMinutes(1)) return;
        if (Interlocked.CompareExchange(ref _warnedAt, now, last) != last) return;
        logger.LogWarning(reason, "Redis does not answer ({Reason}): per-user limits are counted by this instance alone until it does",
            reason?.GetType().Name ?? "not connected");
    }

    /// <summary>A window was counted in Redis.</summary>
    internal void CountedInRedis()
    {
        if (!_countingHere) return;
        _countingHere = false;
        logger.LogInformation("Redis answers again: per-user limits are counted across instances again");
    }
}
