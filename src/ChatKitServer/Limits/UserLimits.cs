using ChatKit.AspNetCore;
using System.Threading.RateLimiting;
using ChatKitServer.Attachments;
using ChatKitServer.Configuration;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Limits;

/// <summary>
/// The per-user limits of the endpoints besides <c>/chatkit</c> (whose limit lives with the auth setup),
/// all from <see cref="RateLimitOptions"/>: open widget subscriptions, widget publishing, uploads
/// (at once and per window), image previews, and the admin pages and API. The windows are counted where
/// <see cref="LimitWindows"/> says (Redis when configured, shared by every instance).
/// </summary>
public static class UserLimits
{
    public const string WidgetSubscriptions = "widget-subscriptions-per-user";
    public const string WidgetPublishing = "widget-publishing-per-user";
    public const string Uploads = "uploads-per-user";
    public const string Previews = "previews-per-user";
    public const string Admin = "admin-per-user";

    public static IServiceCollection AddUserLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        LimitWindows.Register(services);
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, LimitWindows>((limiter, configured, windows) =>
        {
            var o = configured.Value;
            var window = TimeSpan.FromSeconds(o.WindowSeconds);
            var concurrencyWait = TimeSpan.FromSeconds(o.ConcurrencyRetryAfterSeconds);
            limiter.AddPolicy(WidgetSubscriptions, new PerUserLimitPolicy(o.Enabled,
                _ => Concurrency(o.WidgetSubscriptionsPerUser),
                $"at most {o.WidgetSubscriptionsPerUser} open widget subscriptions per user", concurrencyWait));
            limiter.AddPolicy(WidgetPublishing, new PerUserLimitPolicy(o.Enabled,
                caller => windows.Create(WidgetPublishing, caller, o.WidgetPublishesPerWindow, window),
                $"at most {o.WidgetPublishesPerWindow} widgets published per {o.WindowSeconds} s per user", concurrencyWait));
            limiter.AddPolicy(Uploads, new PerUserLimitPolicy(o.Enabled,
                caller => RateLimiter.CreateChained(Concurrency(o.ConcurrentUploadsPerUser), windows.Create(Uploads, caller, o.UploadsPerWindow, window)),
                $"at most {o.ConcurrentUploadsPerUser} uploads at once and {o.UploadsPerWindow} per {o.WindowSeconds} s per user", concurrencyWait,
                http => SignedOwner(http, AttachmentLinks.UploadPurpose)));
            limiter.AddPolicy(Previews, new PerUserLimitPolicy(o.Enabled,
                caller => windows.Create(Previews, caller, o.PreviewsPerWindow, window),
                $"at most {o.PreviewsPerWindow} previews per {o.WindowSeconds} s per user", concurrencyWait,
                http => SignedOwner(http, AttachmentLinks.PreviewPurpose)));
            limiter.AddPolicy(Admin, new PerUserLimitPolicy(o.Enabled,
                caller => windows.Create(Admin, caller, o.AdminRequestsPerWindow, window),
                $"at most {o.AdminRequestsPerWindow} admin requests per {o.WindowSeconds} s per user", concurrencyWait));
        });
        return services;
    }

    private static ConcurrencyLimiter Concurrency(int permits) => new(new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 });

    /// <summary>The owner named by the request's signed attachment link (<c>?sig=</c> for the route's <c>id</c>), if valid.</summary>
    private static string? SignedOwner(HttpContext http, string purpose) =>
        http.Request.RouteValues["id"] is string id && http.Request.Query["sig"] is { Count: 1 } sig
            ? http.RequestServices.GetRequiredService<AttachmentLinks>().Verify(sig, purpose, id)
            : null;
}
