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
}
