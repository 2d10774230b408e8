using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Limits;

/// <summary>
/// Deadlines from <see cref="DeadlineOptions"/>: Kestrel's header timeout and minimum body rate, and the
/// request timeouts middleware for every request that is not a stream. A request past its deadline
/// answers 408 with a ProblemDetails body and <c>Connection: close</c>, and is logged; Kestrel then
/// drops what the client still sends for at most 5 s (so the answer reaches it) and closes the connection.
/// </summary>
public static class RequestDeadlines
{
    /// <summary>The timeout policy of uploads and of answers given whole (<see cref="DeadlineOptions.LongRequestSeconds"/>).</summary>
    public const string LongPolicy = "long-requests";

    public static IServiceCollection AddRequestDeadlines(this IServiceCollection services)
    {
        services.AddOptions<DeadlineOptions>().BindConfiguration(DeadlineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<DeadlineOptions>>((kestrel, deadlines) =>
        {
            var d = deadlines.Value;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(d.RequestHeadersSeconds);
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(d.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(d.MinRequestBodyGraceSeconds));
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<DeadlineOptions>>((timeouts, deadlines) =>
        {
            timeouts.DefaultPolicy = Policy(deadlines.Value.RequestSeconds);
            timeouts.AddPolicy(LongPolicy, Policy(deadlines.Value.LongRequestSeconds));
        });
        return services;
    }

    /// <summary>Ends the deadline of this request: called when a stream starts, which may run as long as it needs.</summary>
    public static void Lift(HttpContext http) => http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();

    private static RequestTimeoutPolicy Policy(double seconds) => new()
    {
        Timeout = TimeSpan.FromSeconds(seconds),
        TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
        WriteTimeoutResponse = http => WriteTimeoutAsync(http, seconds),
    };

    private static async Task WriteTimeoutAsync(HttpContext http, double seconds)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestDeadlines));
        logger.LogWarning("{Method} {Path} passed its deadline of {DeadlineSeconds} s: answered 408, closing the connection",
            http.Request.Method, http.Request.Path, seconds);
        http.Response.Headers.Connection = "close";
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status408RequestTimeout,
                Title = "Request timeout",
                Detail = $"The request took longer than its deadline of {seconds} s (its body arrived too slowly, or it could not be answered in time) and was stopped.",
            },
        });
    }
}
