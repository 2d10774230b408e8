using ChatKit;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.AspNetCore;

/// <summary>
/// The one place where exceptions become HTTP statuses, with a ProblemDetails body that says what
/// was wrong: ChatKit errors carry their own status (400, 404, 409, 413, 415); a caller who is not
/// authenticated gets 401; anything else is a 500 that is logged and says nothing of the internals.
/// </summary>
public sealed class ChatKitExceptionHandler(IProblemDetailsService problems, ILogger<ChatKitExceptionHandler> logger) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            _ when UnstorableValue(exception) is { } reason => (StatusCodes.Status400BadRequest, "Bad request", reason),
            _ when IsDatabaseFailure(exception) => (StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                "The database is not available right now; nothing was saved. Try again shortly."),
            ChatKitException e => (e.StatusCode, TitleFor(e.StatusCode), Bounded(e.Message)),
            // The client went away before its body arrived: nobody is there to read a 400, and the request was not bad, only
            // abandoned. Kestrel may throw for the early end of the body before it signals RequestAborted, so the end of the
            // body alone says so too.
            BadHttpRequestException e when http.RequestAborted.IsCancellationRequested || BodyEndedEarly(e) => (499, "Client closed request", "The client closed the request before its body arrived."),
            BadHttpRequestException e => (e.StatusCode, TitleFor(e.StatusCode), Bounded(e.Message)),
            UnauthorizedAccessException e => (StatusCodes.Status401Unauthorized, "Unauthorized", Bounded(e.Message)),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => (499, "Client closed request", "The client closed the request."),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error", "The server failed to process the request; the error was logged."),
        };
        ChatKitTelemetry.Errors.Add(1, new KeyValuePair<string, object?>(ChatKitTelemetry.ErrorTag, status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        System.Diagnostics.Activity.Current?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, title);
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
            logger.LogError(exception, "Unhandled error for {Method} {Path}", http.Request.Method, http.Request.Path);
        else if (status == StatusCodes.Status503ServiceUnavailable)
            logger.LogWarning(exception, "{Method} {Path} answered 503: {Detail}", http.Request.Method, http.Request.Path, detail);
        else
            logger.LogInformation("{Method} {Path} answered {StatusCode}: {Detail}", http.Request.Method, http.Request.Path, status, detail);

        if (http.Response.HasStarted)
            return false; // a stream already began; the stream writer reports failures in-band
        http.Response.Clear();
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable) http.Response.Headers.RetryAfter = "5";
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, Exception = exception, ProblemDetails = problem }))
            return true;
        // The problem details writer declines requests whose Accept has no JSON type (a streaming client sends
        // "Accept: text/event-stream"); the reason must reach them all the same, with the `type` the writer would have
        // given (TypedResults.Problem fills in ASP.NET Core's defaults for the status: type and title).
        _ = TypedResults.Problem(problem);
        await http.Response.WriteAsJsonAsync(problem, ProblemJson.Options, "application/problem+json", cancellationToken);
        return true;
    }

    /// <summary>
    /// What is wrong when the database refused a value of the request rather than failed (SQLSTATE class 22, "data exception":
    /// PostgreSQL cannot store the NUL character in text, nor text longer than its column), or null. The request is at fault,
    /// so it is a 400, not a 503 that tells the caller to try the same again.
    /// </summary>
    public static string? UnstorableValue(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException { SqlState: { Length: 5 } state } && state.StartsWith("22", StringComparison.Ordinal))
                return state is "22021" or "22P05"
                    ? "A value in the request holds a character the database cannot store (the NUL character, \\u0000)."
                    : "A value in the request cannot be stored as it is (too long, or out of range for its field).";
        }
        return null;
    }

    /// <summary>
    /// Kestrel's "Unexpected end of request content": the connection ended before the bytes its Content-Length (or chunked
    /// framing) announced. Only a client that closed its side causes it. Kestrel gives the reason in the message alone (its
    /// RequestRejectionReason is internal; its strings are not translated).
    /// </summary>
    public static bool BodyEndedEarly(BadHttpRequestException exception) =>
        exception.Message.StartsWith("Unexpected end of request content", StringComparison.Ordinal);

    /// <summary>The longest error detail sent whole: a message that repeats a value of the request is cut after it.</summary>
    public const int MaxDetailLength = 1000;

    /// <summary>A message as a detail: whole when it is not longer than <see cref="MaxDetailLength"/>, else cut (and put on one line).</summary>
    private static string Bounded(string message) => message.Length > MaxDetailLength ? OneLineText.Of(message, MaxDetailLength) : message;

    /// <summary>The store's database failed (unreachable, locked out, corrupt): a 503, not a 500.</summary>
    public static bool IsDatabaseFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException) return true;
        }
        return false;
    }

    private static class ProblemJson
    {
        public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
        {
            Encoder = ChatKit.Json.ChatKitJson.Options.Encoder,
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request too large",
        415 => "Unsupported media type",
        503 => "Service unavailable",
        _ => "Error",
    };
}
