using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ChatKit.AspNetCore;

/// <summary>
/// Where the server is reached from outside (section <c>ChatKit</c>): signed attachment links are absolute
/// (the web component loads them from its own frame), and their host must never come from a request's
/// forgeable <c>Host</c> header.
/// </summary>
public sealed class PublicAddressOptions : IValidatableObject
{
    /// <summary>The configuration section these are read from.</summary>
    public const string Section = "ChatKit";

    /// <summary>The server's public address (e.g. <c>https://chat.example.com/</c>, a path base allowed); links are built on it.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// Reverse proxies (IP addresses or CIDR networks) whose <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c>
    /// and <c>X-Forwarded-Host</c> are believed. Without <see cref="PublicBaseUrl"/>, links take the host a
    /// trusted proxy forwarded.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Set by the host: the environment's name.</summary>
    internal string EnvironmentName { get; set; } = "Production";

    /// <summary>Set by the host: whether <c>AllowedHosts</c> names hosts (host filtering refuses the others).</summary>
    internal bool HostsFiltered { get; set; }

    /// <summary>The configured address without a trailing slash, or null.</summary>
    public Uri? BaseUri => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : new Uri(PublicBaseUrl.TrimEnd('/'), UriKind.Absolute);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(PublicBaseUrl)
            && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)))
            yield return new ValidationResult($"ChatKit:PublicBaseUrl must be an absolute http(s) address without query, e.g. https://chat.example.com/ (got '{PublicBaseUrl}').", [nameof(PublicBaseUrl)]);
        foreach (var proxy in TrustedProxies)
        {
            if (!IPAddress.TryParse(proxy, out _) && !IPNetwork.TryParse(proxy, out _))
                yield return new ValidationResult($"ChatKit:TrustedProxies: '{proxy}' is neither an IP address nor a CIDR network (e.g. 10.0.0.0/8).", [nameof(TrustedProxies)]);
        }
        if (string.IsNullOrWhiteSpace(PublicBaseUrl) && TrustedProxies.Length == 0 && !HostsFiltered && EnvironmentName != "Development")
            yield return new ValidationResult(
                "Signed attachment links need the server's public address, and a request's Host header can be forged: set ChatKit:PublicBaseUrl " +
                "(e.g. https://chat.example.com/), or ChatKit:TrustedProxies (the reverse proxies whose X-Forwarded-Host is believed), " +
                "or AllowedHosts to the host names served.", [nameof(PublicBaseUrl)]);
    }
}
