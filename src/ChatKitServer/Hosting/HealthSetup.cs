using ChatKit.AspNetCore;
using ChatKitServer.Attachments;
using ChatKitServer.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace ChatKitServer.Hosting;

public static class HealthSetup
{
    /// <summary>The tag of the checks an instance must pass before it gets traffic.</summary>
    public const string Ready = "ready";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The database, Redis when <c>Redis:ConnectionString</c> is set, and the attachment container with
    /// <c>Attachments:Storage=AzureBlob</c>, as readiness checks. Redis unreachable is <c>Degraded</c>, not
    /// <c>Unhealthy</c>: conversations do not need it (limits count per instance meanwhile, decision 0021; only widget
    /// streams wait), and a Redis outage must not take every instance out of rotation at once (found by a
    /// multi-instance audit, 2026-12). A degraded check still answers 200, with the body <c>Degraded</c>.
    /// </summary>
    public static IServiceCollection AddChatKitHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks().AddChatKitStore("database", tags: [Ready], timeout: CheckTimeout);
        if (!string.IsNullOrWhiteSpace(configuration["Redis:ConnectionString"]))
            checks.AddCheck<RedisHealthCheck>("redis", failureStatus: Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, tags: [Ready], timeout: CheckTimeout);
        if (configuration.GetValue("Attachments:Storage", AttachmentStorageKind.Local) == AttachmentStorageKind.AzureBlob)
            checks.AddCheck<BlobStorageHealthCheck>("attachments", tags: [Ready], timeout: CheckTimeout);
        return services;
    }

    /// <summary>
    /// <c>/health/live</c>: the process serves requests (no dependency is asked; an orchestrator restarts
    /// an instance that fails it). <c>/health/ready</c>: the dependencies answer (an orchestrator sends
    /// no traffic to an instance that fails it). <c>/health</c>: every check, as before.
    /// </summary>
    public static WebApplication MapChatKitHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).ReadOnly();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) }).ReadOnly();
        app.MapHealthChecks("/health").ReadOnly();
        return app;
    }

    /// <summary>
    /// Only <c>GET</c> and <c>HEAD</c> (health checks and the Prometheus scrape are mapped for every method): any other is
    /// a 405 from routing, with an <c>Allow</c> header and the server's ProblemDetails body (status code pages).
    /// </summary>
    public static TBuilder ReadOnly<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
}
