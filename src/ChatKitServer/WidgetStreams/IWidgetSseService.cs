using System.Text.RegularExpressions;
using ChatKit;
using ChatKit.Widgets;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// Widgets pushed by the server to subscribers of a stream id (a dashboard, a progress bar moved by
/// a background job). Any server code can publish; subscribers that reconnect with the last id they
/// saw get what they missed (up to <see cref="WidgetStreamOptions.ReplayLimit"/>).
/// </summary>
public interface IWidgetSseService
{
    /// <summary>Publishes <paramref name="widget"/> to every subscriber of <paramref name="streamId"/>; returns its event id.</summary>
    Task<long> PublishAsync(string streamId, WidgetRoot widget, CancellationToken cancellationToken = default);

    /// <summary>
    /// Throws <see cref="WidgetStreamsUnavailableException"/> when what the streams go through (Redis) does not answer now,
    /// asked before a subscription's response starts, so that it can still be a 503 instead of a stream that ends at once.
    /// </summary>
    Task EnsureAvailableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The widgets published after <paramref name="lastEventId"/> (kept ones first), then new ones as they come.</summary>
    IAsyncEnumerable<WidgetStreamMessage> SubscribeAsync(string streamId, long? lastEventId, CancellationToken cancellationToken);
}

/// <summary>One published widget with its event id (increasing per stream).</summary>
public sealed record WidgetStreamMessage(long Id, string WidgetJson);

public static partial class WidgetStreamIds
{
    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}$")]
    private static partial Regex Pattern();

    public static string Check(string streamId) => Pattern().IsMatch(streamId)
        ? streamId
        : throw new ChatKitValidationException("A widget stream id has 1 to 128 letters, digits, '_', '.', ':' or '-'.");
}
