using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// Sends each model call through Microsoft.Extensions.AI's <see cref="OpenTelemetryChatClient"/> (<paramref name="traced"/>,
/// around the same <paramref name="inner"/> client) only while something listens to its ActivitySource: the OpenTelemetry
/// SDK when telemetry is collected (see <c>Telemetry:Collect</c>), or any <see cref="ActivityListener"/> of another APM.
/// Unheard, that client still keeps every streamed update to describe the answer at the end, about 2% of the server's CPU
/// under load for a span nobody receives; so with no listener the call goes straight to <paramref name="inner"/>.
/// </summary>
public sealed class TracedWhenListened(IChatClient inner, IChatClient traced, string sourceName) : DelegatingChatClient(inner)
{
    private readonly ActivitySource _source = new(sourceName);

    /// <summary>Whether a listener takes the source's spans now (asked per call: listeners come and go).</summary>
    public bool Listened => _source.HasListeners();

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Listened ? traced.GetResponseAsync(messages, options, cancellationToken) : base.GetResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Listened ? traced.GetStreamingResponseAsync(messages, options, cancellationToken) : base.GetStreamingResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : traced.GetService(serviceType, serviceKey);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
            traced.Dispose(); // disposes the inner client too, as this one's base would
            return;
        }
        base.Dispose(disposing);
    }
}
