namespace ChatKitServer.Hosting;

/// <summary>
/// Security headers on every response (NetEscapades.AspNetCore.SecurityHeaders, written when the response
/// starts, so error bodies get them too): <c>X-Content-Type-Options: nosniff</c> everywhere; API answers get
/// the API set (CSP <c>default-src 'none'</c>, no framing, no referrer); the HTML pages get a policy of
/// their own: the admin pages run only their own script and style; the demo page at <c>/</c> also loads
/// the ChatKit web component from OpenAI's CDN, which shows its UI in a frame from there. That frame shows the
/// images of attachments too, so an image served by its preview link says <c>Cross-Origin-Resource-Policy:
/// cross-origin</c> where every other answer says <c>same-site</c> (the signature in the link is what authorizes it).
/// </summary>
public static class SecurityHeadersSetup
{
    /// <summary>Where the ChatKit web component (script and frame) comes from.</summary>
    public const string ChatKitCdn = "https://cdn.platform.openai.com";

    private const string AdminPages = "admin-pages";
    private const string DemoPage = "demo-page";
    private const string ApiReference = "api-reference";
    private const string AttachmentPreview = "attachment-preview";

    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services) =>
        services.AddSecurityHeaderPolicies(policies => policies
            .SetDefaultPolicy(p => p.AddDefaultApiSecurityHeaders())
            .AddPolicy(AdminPages, p => p.AddDefaultSecurityHeaders()
                .AddReferrerPolicyNoReferrer()
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().None();
                    csp.AddScriptSrc().Self();
                    csp.AddStyleSrc().Self();
                    csp.AddImgSrc().Self().Data();
                    csp.AddConnectSrc().Self();
                    csp.AddFormAction().Self();
                    csp.AddBaseUri().None();
                    csp.AddObjectSrc().None();
                    csp.AddFrameAncestors().None();
                }))
            .AddPolicy(DemoPage, p => p.AddDefaultSecurityHeaders()
                .AddReferrerPolicyStrictOriginWhenCrossOrigin()
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().Self();
                    csp.AddScriptSrc().Self().From(ChatKitCdn);
                    csp.AddFrameSrc().From(ChatKitCdn);
                    csp.AddStyleSrc().Self();
                    csp.AddImgSrc().Self().Data().Blob();
                    csp.AddConnectSrc().Self();
                    csp.AddFormAction().Self();
                    csp.AddBaseUri().Self();
                    csp.AddObjectSrc().None();
                    csp.AddFrameAncestors().None();
                }))
            // The browsable API reference (/scalar, Development only): Scalar's own script starts with an inline module and styles itself.
            .AddPolicy(ApiReference, p => p.AddDefaultSecurityHeaders()
                .AddReferrerPolicyNoReferrer()
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().Self();
                    csp.AddScriptSrc().Self().UnsafeInline();
                    csp.AddStyleSrc().Self().UnsafeInline();
                    csp.AddImgSrc().Self().Data();
                    csp.AddFontSrc().Self().Data();
                    csp.AddConnectSrc().Self();
                    csp.AddObjectSrc().None();
                    csp.AddFrameAncestors().None();
                }))
            // An image of an attachment, served by its signed link: the web component's frame (another site) shows it.
            .AddPolicy(AttachmentPreview, p => p.AddDefaultApiSecurityHeaders().AddCrossOriginResourcePolicy(corp => corp.CrossOrigin()))
            .SetPolicySelector(context => context.ConfiguredPolicies.TryGetValue(PolicyFor(context.HttpContext) ?? "", out var policy)
                ? policy
                : context.SelectedPolicy));

    /// <summary>
    /// The HTML pages' policy by path, an attachment preview's when one is served (by its endpoint, wherever
    /// <c>Attachments:RoutePrefix</c> maps it); null for everything else (the API set).
    /// </summary>
    internal static string? PolicyFor(HttpContext context)
    {
        var path = context.Request.Path;
        return path == "/" || path == "/index.html" ? DemoPage
            : context.Response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status304NotModified
              && context.GetEndpoint()?.DisplayName == ChatKit.AspNetCore.ChatKitAttachmentEndpoints.PreviewDisplayName ? AttachmentPreview
            : path.StartsWithSegments("/admin") && !path.StartsWithSegments("/admin/api") ? AdminPages
            : path.StartsWithSegments("/scalar") ? ApiReference
            : null;
    }
}
