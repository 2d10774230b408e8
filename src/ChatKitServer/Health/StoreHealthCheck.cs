using ChatKit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKitServer.Health;

/// <summary>Healthy when the store answers a query (the database is reachable and migrated).</summary>
public sealed class StoreHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    private static readonly ChatKitContext Probe = new() { UserId = "health-probe" };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatKitStore>();
        try
        {
            await store.LoadThreadsAsync(1, null, SortOrder.Desc, Probe, cancellationToken);
            return HealthCheckResult.Healthy("The store answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The store does not answer: " + ex.Message, ex);
        }
    }
}
