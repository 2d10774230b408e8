using ChatKit.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKitServer.Tests;

/// <summary>
/// Kestrel can throw for a body that ended early before it signals RequestAborted (a race seen in CI): the status must not
/// depend on which came first. Through the real exception handler and ProblemDetails writer, on a context of its own.
/// </summary>
public class ClientGoneStatusTests
{
    private static async Task<int> StatusForAsync(Exception exception)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "POST";
        http.Request.Path = "/chatkit";
        http.Response.Body = new MemoryStream();
        var handler = new ChatKitExceptionHandler(services.GetRequiredService<Microsoft.AspNetCore.Http.IProblemDetailsService>(),
            NullLogger<ChatKitExceptionHandler>.Instance);
        (await handler.TryHandleAsync(http, exception, CancellationToken.None)).Should().BeTrue();
        return http.Response.StatusCode;
    }

    [Test]
    public async Task A_body_that_ended_early_is_499_even_before_the_request_is_marked_aborted()
    {
        (await StatusForAsync(new BadHttpRequestException("Unexpected end of request content."))).Should().Be(499);
    }

    [Test]
    public async Task Other_bad_requests_keep_their_own_status()
    {
        (await StatusForAsync(new BadHttpRequestException("Request body too large. The max request body size is 65536 bytes.", 413))).Should().Be(413);
        (await StatusForAsync(new BadHttpRequestException("Malformed request: invalid headers."))).Should().Be(400);
    }
}
