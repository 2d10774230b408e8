using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKitServer.Limits;

/// <summary>
/// A rate limiter policy with one limiter per caller: the token's <c>sub</c>; for a caller without a
/// token, the owner named by the request's signed link (<paramref name="signedOwner"/>), else the
/// client's address. A refused request answers 429 with <c>Retry-After</c> and a ProblemDetails body
/// naming the limit (<paramref name="limit"/>, e.g. "at most 10 open widget subscriptions per user").
/// <paramref name="createLimiter"/> makes a caller's limiter from its key (see <see cref="CallerKey"/>).
/// </summary>
public sealed class PerUserLimitPolicy(
    bool enabled,
    Func<string, RateLimiter> createLimiter,
    string limit,
    TimeSpan retryAfterWithoutWindow,
    Func<HttpContext, string?>? signedOwner = null) : IRateLimiterPolicy<string>
{
    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => enabled
        ? RateLimitPartition.Get(CallerKey(httpContext, signedOwner), createLimiter)
        : RateLimitPartition.GetNoLimiter("off");

    public Func<OnRejectedContext, CancellationToken, ValueTask> OnRejected => async (context, _) =>
    {
        var http = context.HttpContext;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var window) ? window : retryAfterWithoutWindow;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        // Debug: the request log already has a line per 429, and a flood of refusals must not flood the log.
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<PerUserLimitPolicy>()
            .LogDebug("{Method} {Path} refused with 429 for {Caller}: {Limit}", http.Request.Method, http.Request.Path, CallerKey(http, signedOwner), limit);
        await TooManyRequests.WriteAsync(http, seconds, $"The limit is {limit}; try again in {seconds} s.");
    };

    /// <summary>Who the limit counts for: <c>user:{sub}</c>, or <c>ip:{address}</c> for a caller nobody vouches for.</summary>
    public static string CallerKey(HttpContext http, Func<HttpContext, string?>? signedOwner = null)
    {
        var user = http.User.Identity?.IsAuthenticated == true
            ? http.User.FindFirstValue("sub") ?? http.User.FindFirstValue(ClaimTypes.NameIdentifier)
            : null;
        user ??= signedOwner?.Invoke(http);
        return string.IsNullOrEmpty(user) ? "ip:" + http.Connection.RemoteIpAddress : "user:" + user;
    }
}
