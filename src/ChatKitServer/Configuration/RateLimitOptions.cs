using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Configuration;

/// <summary>Requests per user on <c>/chatkit</c> (section <c>RateLimiting</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests a user may make per window.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 120;

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;
}
