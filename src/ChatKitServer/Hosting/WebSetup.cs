using ChatKitServer.Configuration;
using ChatKitServer.Errors;
using ChatKitServer.Health;
using Serilog;

namespace ChatKitServer.Hosting;

public static class WebSetup
{
    public const string CorsPolicy = "chatkit-clients";

    /// <summary>MVC, errors as ProblemDetails, CORS for the configured origins, health checks.</summary>
    public static IServiceCollection AddChatKitWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddControllersWithViews();
        services.AddProblemDetails();
        services.AddExceptionHandler<ChatKitExceptionHandler>();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store");
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
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSerilogRequestLogging();
        app.UseRequestLocalization();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.MapControllers();
        app.MapHealthChecks("/health");
        return app;
    }
}
