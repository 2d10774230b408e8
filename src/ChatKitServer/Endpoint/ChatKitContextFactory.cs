using System.Security.Claims;
using ChatKit;
using ChatKitServer.Auth;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Endpoint;

/// <summary>Builds the engine's <see cref="ChatKitContext"/> from the HTTP request: who asks, in which language.</summary>
public sealed class ChatKitContextFactory(IOptions<AuthOptions> auth, IHostApplicationLifetime lifetime)
{
    public ChatKitContext Create(HttpContext http)
    {
        var options = auth.Value;
        var user = http.User;
        var userId = user.Identity?.IsAuthenticated == true ? UserId(user) : null;
        if (userId is null && options.Mode == AuthMode.Development)
            userId = AuthOptions.LocalUserId;
        if (userId is null)
            throw new UnauthorizedAccessException("The caller is not authenticated.");
        return new ChatKitContext
        {
            UserId = userId,
            Locale = Locale(http.Request),
            IsAdmin = ExactClaims.HasRole(user, options.AdminRole),
            ServerStopping = lifetime.ApplicationStopping,
        };
    }

    /// <summary>
    /// The token's one <c>sub</c> (or, for other authentication schemes, the name identifier), exactly
    /// named. An empty, blank or repeated subject names nobody: refused with 401.
    /// </summary>
    private static string UserId(ClaimsPrincipal user)
    {
        var subjects = ExactClaims.Values(user, ExactClaims.SubjectType).ToList();
        if (subjects.Count == 0)
            subjects = ExactClaims.Values(user, ClaimTypes.NameIdentifier).ToList();
        if (subjects.Count != 1 || string.IsNullOrWhiteSpace(subjects[0]))
            throw new UnauthorizedAccessException("The token's 'sub' claim must be one non-empty user id.");
        return subjects[0];
    }

    private static string? Locale(HttpRequest request)
    {
        var header = request.GetTypedHeaders().AcceptLanguage;
        var best = header.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault();
        return best?.Value.Value is { Length: > 0 and <= 35 } tag && tag != "*" ? tag : null;
    }
}
