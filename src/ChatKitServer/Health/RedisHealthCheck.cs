using ChatKitServer.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKitServer.Health;

/// <summary>Healthy when Redis answers a PING on the connection the widget streams and the limits use (registered only when Redis is configured).</summary>
public sealed class RedisHealthCheck(SharedRedis redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await redis.ConnectAsync().WaitAsync(cancellationToken);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Redis answers ({latency.TotalMilliseconds:0.#} ms).");
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer: " + ex.Message, ex);
        }
    }
}
