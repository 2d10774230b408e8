using System.Security.Claims;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Auth;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Endpoint;

/// <summary>Builds the engine's <see cref="ChatKitContext"/> from the HTTP request: who asks, in which language.</summary>
public sealed class ChatKitContextFactory(IOptions<AuthOptions> auth, IHostApplicationLifetime lifetime) : IChatKitContextFactory
{
    public ChatKitContext Create(HttpContext http)
    {
        var options = auth.Value;
        var user = http.User;
        var userId = user.Identity?.IsAuthenticated == true ? ClaimsChatKitContextFactory.UserId(user) : null;
        if (userId is null && options.Mode == AuthMode.Development)
            userId = AuthOptions.LocalUserId;
        if (userId is null)
            throw new UnauthorizedAccessException("The caller is not authenticated.");
        return new ChatKitContext
        {
            UserId = userId,
            Locale = ClaimsChatKitContextFactory.Locale(http.Request),
            IsAdmin = ExactClaims.HasRole(user, options.AdminRole),
            ServerStopping = lifetime.ApplicationStopping,
        };
    }
}
