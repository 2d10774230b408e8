using Microsoft.AspNetCore.Mvc;

namespace ChatKitServer.Limits;

/// <summary>
/// The one way a limit answers: 429, <c>Retry-After</c>, and a ProblemDetails body with a <c>type</c> like every other
/// error of the server (ASP.NET Core has no default type for 429, so the limits' bodies had none).
/// </summary>
public static class TooManyRequests
{
    /// <summary>The <c>type</c> of a 429: RFC 6585 defines the status.</summary>
    public const string Type = "https://tools.ietf.org/html/rfc6585#section-4";

    public static async Task WriteAsync(HttpContext http, int retryAfterSeconds, string detail)
    {
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = new ProblemDetails { Type = Type, Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail };
        if (await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }))
            return;
        // The writer declines a request whose Accept names no JSON type: the reason must reach it all the same.
        await TypedResults.Problem(problem).ExecuteAsync(http);
    }
}
