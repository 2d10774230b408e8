namespace ChatKitServer.Configuration;

/// <summary>
/// The server's own settings of the <c>ChatKit</c> section. The endpoint's (body size, string limits,
/// keep-alives, shutdown grace) are ChatKit.AspNetCore's <see cref="ChatKit.AspNetCore.ChatKitHttpOptions"/>,
/// bound from the same section.
/// </summary>
public sealed class ChatKitServerOptions
{
    public const string Section = "ChatKit";

    /// <summary>Origins allowed to call the server from a browser (the web component usually runs on another origin).</summary>
    public string[] AllowedOrigins { get; set; } = [];
}
