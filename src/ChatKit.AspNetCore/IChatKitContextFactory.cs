using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace ChatKit.AspNetCore;

/// <summary>Builds the engine's <see cref="ChatKitContext"/> from an HTTP request: who asks, in which language.</summary>
public interface IChatKitContextFactory
{
    /// <summary>The context of <paramref name="http"/>; throws <see cref="UnauthorizedAccessException"/> (401) when the caller names no user.</summary>
    ChatKitContext Create(HttpContext http);

    /// <summary>
    /// The context of <paramref name="http"/>, for a factory that has to wait for it (a user directory, a
    /// tenant read from a database). Every caller in these packages uses this; by default it is
    /// <see cref="Create"/>. A factory that implements it may have <see cref="Create"/> throw
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    ValueTask<ChatKitContext> CreateAsync(HttpContext http, CancellationToken cancellationToken) => ValueTask.FromResult(Create(http));
}

/// <summary>
/// The default <see cref="IChatKitContextFactory"/>: the user is the authenticated caller's one non-empty
/// <c>sub</c> claim (or name identifier), the locale the best <c>Accept-Language</c>. An anonymous caller,
/// or a token with an empty or repeated subject, is refused (401).
/// </summary>
public sealed partial class ClaimsChatKitContextFactory(IHostApplicationLifetime lifetime) : IChatKitContextFactory
{
    /// <inheritdoc />
    public ChatKitContext Create(HttpContext http)
    {
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
            throw new UnauthorizedAccessException("The caller is not authenticated.");
        return new ChatKitContext { UserId = UserId(user), Locale = Locale(http.Request), ServerStopping = lifetime.ApplicationStopping };
    }

    /// <summary>The one <c>sub</c> claim (exactly named), else the name identifier; empty, blank or repeated names nobody.</summary>
    public static string UserId(ClaimsPrincipal user)
    {
        var subjects = user.Claims.Where(c => c.Type == "sub").Select(c => c.Value).ToList();
        if (subjects.Count == 0)
            subjects = user.Claims.Where(c => c.Type == ClaimTypes.NameIdentifier).Select(c => c.Value).ToList();
        if (subjects.Count != 1 || string.IsNullOrWhiteSpace(subjects[0]))
            throw new UnauthorizedAccessException("The token's 'sub' claim must be one non-empty user id.");
        return subjects[0];
    }

    /// <summary>
    /// The request's preferred language tag (<c>Accept-Language</c>, highest quality), or null. Only a tag shaped like
    /// one (letters, then subtags of letters and digits: <c>fr</c>, <c>pt-BR</c>, <c>zh-Hant-TW</c>) is taken: it reaches
    /// the model's instructions and the transcription service.
    /// </summary>
    public static string? Locale(HttpRequest request)
    {
        var header = request.GetTypedHeaders().AcceptLanguage;
        return header.Where(l => l.Value.Value is { Length: > 0 and <= 35 } tag && LanguageTag().IsMatch(tag))
            .OrderByDescending(l => l.Quality ?? 1).FirstOrDefault()?.Value.Value;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$")]
    private static partial System.Text.RegularExpressions.Regex LanguageTag();
}
