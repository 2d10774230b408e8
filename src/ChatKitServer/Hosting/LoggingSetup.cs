using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;
using Serilog;

namespace ChatKitServer.Hosting;

public static class LoggingSetup
{
    /// <summary>
    /// Serilog from the <c>Serilog</c> section of appsettings.json (console by default), with control characters in logged
    /// values escaped (<see cref="OneLineLogValues"/>).
    /// </summary>
    public static WebApplicationBuilder AddLogging(this WebApplicationBuilder builder)
    {
        StartupChecks.CheckSerilogSinks(builder.Configuration);
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .Enrich.With<OneLineLogValues>());
        CachedLoggerFactory.Decorate(builder.Services);
        return builder;
    }

    /// <summary>Says at start what the server runs with, so nobody mistakes development auth for real auth.</summary>
    public static void LogStartupSummary(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var assistant = app.Services.GetRequiredService<IOptions<AssistantOptions>>().Value;
        var log = app.Services.GetRequiredService<ILogger<Program>>();
        if (auth.Mode == AuthMode.Development)
            log.LogWarning("Auth:Mode=Development: every caller is treated as the single user {UserId}. Do not expose this server.", AuthOptions.LocalUserId);
        log.LogInformation("Assistant provider: {AssistantProvider}", assistant.Provider);
    }
}
