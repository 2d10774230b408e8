using System.Security.Claims;

namespace ChatKitServer.Auth;

/// <summary>
/// Claim look-ups that compare claim types exactly. <see cref="ClaimsPrincipal.HasClaim(string, string)"/>,
/// <see cref="ClaimsPrincipal.FindFirst(string)"/>, <see cref="ClaimsPrincipal.IsInRole"/> and
/// <c>RequireClaim</c> compare types case-insensitively, so a token carrying <c>ROLE: admin</c> would
/// pass for <c>role: admin</c>: only the configured claim type, spelled exactly, counts here.
/// </summary>
public static class ExactClaims
{
    /// <summary>The claim type that holds roles (JWT <c>role</c>, kept as issued).</summary>
    public const string RoleType = "role";

    /// <summary>The claim type that holds the user id.</summary>
    public const string SubjectType = "sub";

    /// <summary>True when a claim of exactly <paramref name="type"/> has exactly <paramref name="value"/>.</summary>
    public static bool Has(ClaimsPrincipal user, string type, string value) =>
        user.Claims.Any(c => string.Equals(c.Type, type, StringComparison.Ordinal) && string.Equals(c.Value, value, StringComparison.Ordinal));

    /// <summary>True when the caller has the role <paramref name="role"/> in a claim named exactly <see cref="RoleType"/>.</summary>
    public static bool HasRole(ClaimsPrincipal user, string role) => Has(user, RoleType, role);

    /// <summary>The values of the claims named exactly <paramref name="type"/>.</summary>
    public static IEnumerable<string> Values(ClaimsPrincipal user, string type) =>
        user.Claims.Where(c => string.Equals(c.Type, type, StringComparison.Ordinal)).Select(c => c.Value);

    /// <summary>The caller's <c>sub</c>, or null when there is none or more than one.</summary>
    public static string? Subject(ClaimsPrincipal user)
    {
        string? subject = null;
        foreach (var value in Values(user, SubjectType))
        {
            if (subject is not null) return null;
            subject = value;
        }
        return subject;
    }
}
