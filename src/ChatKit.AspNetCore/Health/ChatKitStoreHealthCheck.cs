using ChatKit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKit.AspNetCore;

/// <summary>
/// Healthy when the app's <see cref="IChatKitStore"/> answers a query: one page of one thread of a user no one signs in as
/// (for an EF Core store: the database is reachable and migrated). The store is taken from a scope of its own, as a request
/// takes it. Register it with <see cref="ChatKitHealthChecksBuilderExtensions.AddChatKitStore"/>.
/// </summary>
public sealed class ChatKitStoreHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    private static readonly ChatKitContext Probe = new() { UserId = "health-probe" };

    /// <inheritdoc />
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
            return new HealthCheckResult(context.Registration.FailureStatus, "The store does not answer: " + ex.Message, ex);
        }
    }
}

/// <summary>Health checks for an app that embeds ChatKit.</summary>
public static class ChatKitHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ChatKitStoreHealthCheck"/> (the store answers a query) as <paramref name="name"/>:
    /// <c>services.AddHealthChecks().AddChatKitStore(tags: ["ready"], timeout: TimeSpan.FromSeconds(5))</c>, then map it with
    /// ASP.NET Core's <c>app.MapHealthChecks(...)</c>.
    /// </summary>
    /// <param name="builder">The app's health checks.</param>
    /// <param name="name">The check's name in reports.</param>
    /// <param name="failureStatus">What a store that does not answer reports; <see cref="HealthStatus.Unhealthy"/> when null.</param>
    /// <param name="tags">Tags to select the check by (e.g. for a readiness endpoint).</param>
    /// <param name="timeout">How long the query may take before the check fails; no limit when null.</param>
    public static IHealthChecksBuilder AddChatKitStore(this IHealthChecksBuilder builder, string name = "chatkit-store",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.AddCheck<ChatKitStoreHealthCheck>(name, failureStatus, tags ?? [], timeout);
    }
}
