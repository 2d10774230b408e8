using ChatKit;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>
/// The base of absolute links (<c>https://host[/path-base]</c>), from a trusted source only:
/// <c>ChatKit:PublicBaseUrl</c>; else the host a trusted proxy forwarded (ForwardedHeaders applied it);
/// else the request's host when <c>AllowedHosts</c> filters hosts or in Development. Never a Host header
/// nobody vouches for.
/// </summary>
public sealed class PublicAddress(IOptions<PublicAddressOptions> options, IHttpContextAccessor http)
{
    /// <summary>The base for the current request, or null when there is no request and no configured address.</summary>
    public string? Base()
    {
        var settings = options.Value;
        if (settings.BaseUri is { } configured)
            return configured.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var request = http.HttpContext?.Request;
        if (request is null) return null;
        // ForwardedHeaders keeps the original Host in X-Original-Host only when it applied a trusted proxy's X-Forwarded-Host.
        var forwarded = request.Headers.ContainsKey(ForwardedHeadersDefaults.XOriginalHostHeaderName);
        var hostVouchedFor = settings.TrustedProxies.Length == 0 && (settings.HostsFiltered || settings.EnvironmentName == "Development");
        if (forwarded || hostVouchedFor)
            return $"{request.Scheme}://{request.Host}{request.PathBase}";
        throw new ChatKitValidationException(
            "This server builds links only for requests that come through its trusted proxy (ChatKit:TrustedProxies) or with ChatKit:PublicBaseUrl set.");
    }
}
