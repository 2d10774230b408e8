using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Configuration;

/// <summary>Settings of the <c>/chatkit</c> endpoint (section <c>ChatKit</c>).</summary>
public sealed class ChatKitServerOptions
{
    public const string Section = "ChatKit";

    /// <summary>The largest request body accepted; larger bodies get 413.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The longest string accepted anywhere in a request, in characters.</summary>
    [Range(256, 64 * 1024 * 1024)]
    public int MaxStringLength { get; set; } = ChatKit.ChatKitRequestLimits.Default.MaxStringLength;

    /// <summary>The longest property name accepted anywhere in a request (metadata keys included), in characters.</summary>
    [Range(16, 64 * 1024)]
    public int MaxPropertyNameLength { get; set; } = ChatKit.ChatKitRequestLimits.Default.MaxPropertyNameLength;

    /// <summary>The request limits the parser applies, from the two settings above.</summary>
    public ChatKit.ChatKitRequestLimits RequestLimits => _limits ??= new() { MaxStringLength = MaxStringLength, MaxPropertyNameLength = MaxPropertyNameLength };

    private ChatKit.ChatKitRequestLimits? _limits;

    /// <summary>Seconds of silence after which a stream gets a <c>: keep-alive</c> comment.</summary>
    [Range(0.05, 3600)]
    public double KeepAliveSeconds { get; set; } = 15;

    /// <summary>Origins allowed to call the server from a browser (the web component usually runs on another origin).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public TimeSpan KeepAliveInterval => TimeSpan.FromSeconds(KeepAliveSeconds);

    /// <summary>On shutdown (SIGTERM), how long open streams may go on before they end with an error event.</summary>
    [Range(0, 600)]
    public double ShutdownGraceSeconds { get; set; } = 10;
}
