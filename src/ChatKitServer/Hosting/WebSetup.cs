using ChatKitServer.Configuration;
using ChatKitServer.Limits;
using ChatKit.AspNetCore;
using ChatKitServer.Auth;
using ChatKitServer.Errors;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;

namespace ChatKitServer.Hosting;

public static class WebSetup
{
    public const string CorsPolicy = "chatkit-clients";

    /// <summary>MVC, errors as ProblemDetails, CORS for the configured origins, health checks.</summary>
    public static IServiceCollection AddChatKitWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddControllersWithViews()
            // Keep System.Text.Json's exception (not its message, which names .NET types) for ModelStateProblems.
            .AddJsonOptions(o =>
            {
                o.AllowInputFormatterExceptionMessages = false;
                o.JsonSerializerOptions.Encoder = ChatKit.Json.ChatKitJson.Options.Encoder; // text as it is, like the protocol's JSON
            })
            .ConfigureApiBehaviorOptions(o => o.InvalidModelStateResponseFactory = ModelStateProblems.Create);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = ChatKit.Json.ChatKitJson.Options.Encoder);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = FrameworkProblemDetails.Describe);
        services.AddExceptionHandler<ChatKitExceptionHandler>();
        services.AddChatKitHealth(configuration);
        services.AddSecurityHeaders();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<PublicAddressOptions>>((forwarded, address) => TrustProxies(forwarded, address.Value.TrustedProxies));
        var origins = configuration.GetSection(ChatKitServerOptions.Section).Get<ChatKitServerOptions>()?.AllowedOrigins ?? [];
        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(origins)
            .AllowAnyHeader()
            .WithMethods("GET", "POST", "PUT", "DELETE")));
        return services;
    }

    public static WebApplication UseChatKitWeb(this WebApplication app)
    {
        app.LogStartupSummary();
        app.UseForwardedHeaders(); // only from ChatKit:TrustedProxies (nothing is believed without them)
        app.UseSecurityHeaders();
        // Outside the exception handler, so the request log sees the status actually sent (a handled 404 is a 404).
        app.UseSerilogRequestLogging(o => o.GetLevel = RequestLogLevel);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestLocalization();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use((http, next) =>
        {
            EncodedBodyException.ThrowIfEncoded(http.Request); // every endpoint reads bodies as sent: a compressed one is refused, saying why
            return next(http);
        });
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.MapControllers();
        app.MapChatKit("/chatkit").RequireAuthorization().RequireRateLimiting(AuthSetup.ChatKitRateLimit);
        var attachments = app.MapChatKitAttachments().RequireAuthorization(); // the upload link and the preview allow anonymous callers: their signature is checked
        attachments.Uploads.RequireRateLimiting(UserLimits.Uploads).WithRequestTimeout(RequestDeadlines.LongPolicy);
        attachments.Previews.RequireRateLimiting(UserLimits.Previews);
        app.MapChatKitHealth();
        return app;
    }

    /// <summary>Believe X-Forwarded-For/-Proto/-Host/-Prefix from the configured proxies only; none configured, none believed.</summary>
    private static void TrustProxies(ForwardedHeadersOptions forwarded, string[] proxies)
    {
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        forwarded.ForwardedHeaders = proxies.Length == 0
            ? ForwardedHeaders.None
            : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedPrefix;
        foreach (var proxy in proxies)
        {
            if (IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
            else forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
        }
    }

    /// <summary>
    /// Server errors at Error, client errors (4xx) at Warning, the rest at Information; so is 499, a client that went away
    /// (closed the page, lost its connection), which says nothing wrong of the request or the server.
    /// </summary>
    internal static LogEventLevel RequestLogLevel(HttpContext http, double elapsedMs, Exception? exception) =>
        exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
        : http.Response.StatusCode == ClientClosedRequest ? LogEventLevel.Information
        : http.Response.StatusCode >= 400 ? LogEventLevel.Warning
        : LogEventLevel.Information;

    private const int ClientClosedRequest = 499;
}
