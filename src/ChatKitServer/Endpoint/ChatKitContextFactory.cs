using System.Security.Claims;
using ChatKit;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Endpoint;

/// <summary>Builds the engine's <see cref="ChatKitContext"/> from the HTTP request: who asks, in which language.</summary>
public sealed class ChatKitContextFactory(IOptions<AuthOptions> auth)
{
    public ChatKitContext Create(HttpContext http)
    {
        var options = auth.Value;
        var user = http.User;
        var userId = user.Identity?.IsAuthenticated == true
            ? user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier)
            : null;
        if (userId is null && options.Mode == AuthMode.Development)
            userId = AuthOptions.LocalUserId;
        if (userId is null)
            throw new UnauthorizedAccessException("The caller is not authenticated.");
        return new ChatKitContext
        {
            UserId = userId,
            Locale = Locale(http.Request),
            IsAdmin = user.HasClaim("role", options.AdminRole) || user.IsInRole(options.AdminRole),
        };
    }

    private static string? Locale(HttpRequest request)
    {
        var header = request.GetTypedHeaders().AcceptLanguage;
        var best = header.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault();
        return best?.Value.Value is { Length: > 0 and <= 35 } tag && tag != "*" ? tag : null;
    }
}
