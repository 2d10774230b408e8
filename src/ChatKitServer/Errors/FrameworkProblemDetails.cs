using ChatKit;
using ChatKit.AspNetCore;
using Microsoft.AspNetCore.Http;

namespace ChatKitServer.Errors;

/// <summary>
/// A <c>detail</c> for the problems ASP.NET Core answers by itself (no such endpoint, a method or content type the endpoint
/// does not take, a role the caller lacks), which came with a title alone. Problems that already say what was wrong keep
/// their words; a 401 stays silent on purpose (nothing about why a token failed). A detail that repeats a long path or
/// content type is cut like any other (<see cref="ChatKitExceptionHandler.MaxDetailLength"/>).
/// </summary>
public static class FrameworkProblemDetails
{
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!string.IsNullOrEmpty(problem.Detail)) return;
        var request = context.HttpContext.Request;
        var detail = problem.Status switch
        {
            StatusCodes.Status403Forbidden => "You are signed in, but this needs a role you do not have.",
            StatusCodes.Status404NotFound => $"There is no endpoint at {request.Method} {request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
            StatusCodes.Status415UnsupportedMediaType =>
                $"This endpoint takes a JSON body sent as application/json, not '{(string.IsNullOrEmpty(request.ContentType) ? "no content type" : request.ContentType)}'.",
            _ => null,
        };
        problem.Detail = detail is { Length: > ChatKitExceptionHandler.MaxDetailLength } ? OneLineText.Of(detail, ChatKitExceptionHandler.MaxDetailLength) : detail;
    }
}
