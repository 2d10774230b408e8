using ChatKit;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// Redis, through which widget streams go, did not answer: a 503 (with <c>Retry-After</c>), like a database that is away,
/// not a 500. <paramref name="subscribing"/>: the request was a subscription (nothing was opened), else a publish.
/// </summary>
public sealed class WidgetStreamsUnavailableException(Exception? inner, bool subscribing = false)
    : ChatKitException(subscribing
        ? "Widget streams are not available right now: Redis does not answer. The subscription was not opened; try again shortly."
        : "Widget streams are not available right now: Redis does not answer. Nothing was published; try again shortly.", inner)
{
    public override int StatusCode => StatusCodes.Status503ServiceUnavailable;
}
