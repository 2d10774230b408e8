using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKitServer.Health;

/// <summary>Healthy when Redis answers a PING on the connection the widget streams use (registered only when Redis is configured).</summary>
public sealed class RedisHealthCheck(IWidgetSseService widgets) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (widgets is not RedisWidgetSseService redis)
            return HealthCheckResult.Unhealthy("Redis is configured but the widget streams do not use it.");
        try
        {
            var latency = await redis.PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Redis answers ({latency.TotalMilliseconds:0.#} ms).");
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer: " + ex.Message, ex);
        }
    }
}
