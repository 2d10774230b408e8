using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>
/// <c>POST /chatkit</c>: every ChatKit request. Reads the body (within the size limit), has the engine
/// parse and run it, and answers JSON or a Server-Sent-Events stream. Problems found before a stream
/// starts become a status with a ProblemDetails body (<see cref="ChatKitExceptionHandler"/>), whether or
/// not the host uses the exception handler middleware.
/// </summary>
public static class ChatKitEndpoint
{
    /// <summary>Handles one request.</summary>
    public static async Task HandleAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var cancellationToken = http.RequestAborted;
        System.Diagnostics.Activity? activity = null;
        try
        {
            EncodedBodyException.ThrowIfEncoded(http.Request);
            NotJsonException.ThrowIfForm(http.Request);
            ChatKitRequest request;
            var options = services.GetRequiredService<IOptions<ChatKitHttpOptions>>().Value;
            using (var json = await services.GetRequiredService<ChatKitRequestBody>().ReadAsync(http.Request, cancellationToken))
                request = ChatKitRequestParser.Parse(json.Span, options.RequestLimits);
            var context = await services.GetRequiredService<IChatKitContextFactory>().CreateAsync(http, cancellationToken);
            activity = ChatKitTelemetry.Source.StartActivity("chatkit " + request.Kind);
            activity?.SetTag(ChatKitTelemetry.RequestTypeTag, request.Kind);
            var response = await services.GetRequiredService<ChatKitEngine>().ProcessAsync(request, context, cancellationToken);
            switch (response)
            {
                case ChatKitJsonResponse plain:
                    http.Response.StatusCode = StatusCodes.Status200OK;
                    http.Response.ContentType = "application/json";
                    http.Response.ContentLength = plain.Json.Length;
                    await http.Response.Body.WriteAsync(plain.Json, cancellationToken);
                    break;
                case ChatKitStreamResponse stream:
                    // A request deadline covers reading the request; a stream runs as long as it needs.
                    http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
                    activity?.SetTag(ChatKitTelemetry.ThreadTag, stream.ThreadId);
                    await services.GetRequiredService<ChatKitStreamWriter>().WriteAsync(http.Response, stream, cancellationToken);
                    break;
            }
        }
        catch (Exception ex) when (!http.Response.HasStarted && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // A cancellation of the request is the host's to answer: the client left (nobody to tell), or a
            // request deadline passed (ASP.NET Core's request timeouts middleware answers it with its status).
            // Any other cancellation is a failure of the app's code (an HttpClient or database command that
            // timed out in the store or the responder): a 500 with a body, like any other failure.
            await services.GetRequiredService<ChatKitExceptionHandler>().TryHandleAsync(http, ex, CancellationToken.None);
        }
        finally
        {
            activity?.Dispose();
        }
    }
}
