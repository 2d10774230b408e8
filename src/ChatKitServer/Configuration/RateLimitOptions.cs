using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Configuration;

/// <summary>
/// Per-user limits (section <c>RateLimiting</c>): requests per window on <c>/chatkit</c> and the simple
/// chat API, and the limits of every other endpoint a user can call. Beyond a limit: 429 with <c>Retry-After</c>.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Turns every per-user limit on or off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// With <c>Redis:ConnectionString</c> set, count the per-window limits in Redis, shared by every instance (a user's
    /// requests count together whichever instance they reach); false counts them in each instance.
    /// </summary>
    public bool CountInRedis { get; set; } = true;

    /// <summary>Requests a user may make per window on <c>/chatkit</c> and <c>/api/chat</c>.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 120;

    /// <summary>The window of every "per window" limit, in seconds.</summary>
    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Widget stream subscriptions a user may hold open at once.</summary>
    [Range(1, 100_000)]
    public int WidgetSubscriptionsPerUser { get; set; } = 10;

    /// <summary>Widgets a user (an admin or a publisher) may publish per window.</summary>
    [Range(1, 1_000_000)]
    public int WidgetPublishesPerWindow { get; set; } = 600;

    /// <summary>Uploads (direct or two-phase) a user may have in progress at once.</summary>
    [Range(1, 10_000)]
    public int ConcurrentUploadsPerUser { get; set; } = 4;

    /// <summary>Uploads (direct or two-phase) a user may start per window.</summary>
    [Range(1, 1_000_000)]
    public int UploadsPerWindow { get; set; } = 60;

    /// <summary>Image previews a user may load per window.</summary>
    [Range(1, 1_000_000)]
    public int PreviewsPerWindow { get; set; } = 600;

    /// <summary>Requests per window on the admin pages and the admin API, per admin.</summary>
    [Range(1, 1_000_000)]
    public int AdminRequestsPerWindow { get; set; } = 300;

    /// <summary>Retry-After, in seconds, when a limit on things held open at once (subscriptions, uploads) is reached.</summary>
    [Range(1, 3600)]
    public int ConcurrencyRetryAfterSeconds { get; set; } = 5;
}
