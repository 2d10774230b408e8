using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.WidgetStreams;

/// <summary>Server-pushed widget streams (section <c>WidgetStreams</c>; Redis under <c>Redis:ConnectionString</c>).</summary>
public sealed class WidgetStreamOptions
{
    public const string Section = "WidgetStreams";

    /// <summary>Widgets kept per stream for clients that reconnect with <c>Last-Event-ID</c>.</summary>
    [Range(0, 10_000)]
    public int ReplayLimit { get; set; } = 100;

    /// <summary>A role, besides the admin role, that may publish widgets.</summary>
    public string? PublisherRole { get; set; }

    /// <summary>Streams kept in memory without subscribers; beyond, the longest idle ones are dropped first (streams with subscribers are never dropped).</summary>
    [Range(1, 10_000_000)]
    public int MaxStreams { get; set; } = 10_000;

    /// <summary>A stream without subscribers and without new widgets for this long is dropped with what it kept (with Redis, its replay list expires then).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan IdleExpiry { get; set; } = TimeSpan.FromMinutes(15);
}
