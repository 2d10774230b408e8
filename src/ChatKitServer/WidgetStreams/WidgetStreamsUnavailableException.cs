using ChatKit;

namespace ChatKitServer.WidgetStreams;

/// <summary>Redis, through which widget streams go, did not answer: a 503 (with <c>Retry-After</c>), like a database that is away, not a 500.</summary>
public sealed class WidgetStreamsUnavailableException(Exception inner)
    : ChatKitException("Widget streams are not available right now: Redis does not answer. Nothing was published; try again shortly.", inner)
{
    public override int StatusCode => StatusCodes.Status503ServiceUnavailable;
}
