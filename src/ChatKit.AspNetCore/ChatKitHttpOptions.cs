using System.ComponentModel.DataAnnotations;

namespace ChatKit.AspNetCore;

/// <summary>Settings of the ChatKit endpoint (bound from the <c>ChatKit</c> section by ChatKitServer; see <see cref="ChatKitBuilder.BindConfiguration"/>).</summary>
public sealed class ChatKitHttpOptions
{
    /// <summary>The configuration section these settings are usually bound from.</summary>
    public const string Section = "ChatKit";

    /// <summary>The largest request body accepted; larger bodies get 413.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The longest string accepted anywhere in a request, in characters.</summary>
    [Range(256, 64 * 1024 * 1024)]
    public int MaxStringLength { get; set; } = ChatKitRequestLimits.Default.MaxStringLength;

    /// <summary>The longest property name accepted anywhere in a request (metadata keys included), in characters.</summary>
    [Range(16, 64 * 1024)]
    public int MaxPropertyNameLength { get; set; } = ChatKitRequestLimits.Default.MaxPropertyNameLength;

    /// <summary>Seconds of silence after which a stream gets a <c>: keep-alive</c> comment; 0 turns keep-alives off.</summary>
    [Range(0, 3600)]
    public double KeepAliveSeconds { get; set; } = 15;

    /// <summary>On shutdown (SIGTERM), how long open streams may go on before they end (the protocol's: with a retryable error event).</summary>
    [Range(0, 600)]
    public double ShutdownGraceSeconds { get; set; } = 10;

    /// <summary>
    /// Seconds a stream waits for a client that reads nothing while the response is full (it stopped reading, or its
    /// connection is half-open); then the connection is closed and the stream ends as if the client had left (the
    /// partial answer is saved, the thread is free for its next turn). 0 leaves it to Kestrel's minimum response rate.
    /// </summary>
    [Range(0, 3600)]
    public double StalledClientSeconds { get; set; } = 60;

    /// <summary>The stalled-client timeout (<see cref="StalledClientSeconds"/>); zero when off.</summary>
    public TimeSpan StalledClientTimeout => TimeSpan.FromSeconds(StalledClientSeconds);

    /// <summary>The keep-alive interval (<see cref="KeepAliveSeconds"/>); zero when off.</summary>
    public TimeSpan KeepAliveInterval => TimeSpan.FromSeconds(KeepAliveSeconds);

    /// <summary>The request limits the parser applies, from <see cref="MaxStringLength"/> and <see cref="MaxPropertyNameLength"/>.</summary>
    public ChatKitRequestLimits RequestLimits => _limits ??= new() { MaxStringLength = MaxStringLength, MaxPropertyNameLength = MaxPropertyNameLength };

    private ChatKitRequestLimits? _limits;
}
