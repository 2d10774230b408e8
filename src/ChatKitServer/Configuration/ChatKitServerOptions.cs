namespace ChatKitServer.Configuration;

/// <summary>
/// The server's own settings of the <c>ChatKit</c> section. The endpoint's (body size, string limits,
/// keep-alives, shutdown grace) are ChatKit.AspNetCore's <see cref="ChatKit.AspNetCore.ChatKitHttpOptions"/>,
/// bound from the same section.
/// </summary>
public sealed class ChatKitServerOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string Section = "ChatKit";

    /// <summary>Origins allowed to call the server from a browser (the web component usually runs on another origin).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedOrigins.Length; i++)
        {
            // An origin is scheme://host[:port] and nothing more: CORS compares it to the browser's Origin header as it is.
            var origin = AllowedOrigins[i];
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/') || origin.EndsWith('/'))
                yield return new System.ComponentModel.DataAnnotations.ValidationResult(
                    $"ChatKit:AllowedOrigins:{i} must be an origin like https://app.example.com (scheme, host, optional port; no path or trailing slash), got '{origin}'.",
                    [nameof(AllowedOrigins)]);
        }
    }
}
