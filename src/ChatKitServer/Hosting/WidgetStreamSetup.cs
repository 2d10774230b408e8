using ChatKitServer.Auth;
using ChatKitServer.Configuration;
using ChatKitServer.Redis;
using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Hosting;

public static class WidgetStreamSetup
{
    /// <summary>Widget streams in memory, or through Redis when <c>Redis:ConnectionString</c> is set; the publisher policy.</summary>
    public static IServiceCollection AddWidgetStreams(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<WidgetStreamAccess>();
        services.AddOptions<WidgetStreamOptions>().BindConfiguration(WidgetStreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var redis = configuration["Redis:ConnectionString"];
        if (string.IsNullOrWhiteSpace(redis))
            services.AddSingleton<IWidgetSseService, InMemoryWidgetSseService>();
        else
        {
            services.AddHostedService(sp => new StartupChecks.RedisReachable(redis, sp.GetRequiredService<ILogger<StartupChecks.RedisReachable>>()));
            services.AddSingleton(_ => new SharedRedis(redis));
            services.AddHostedService(sp => sp.GetRequiredService<SharedRedis>());
            services.AddSingleton<RedisWidgetSseService>();
            services.AddSingleton<IWidgetSseService>(sp => sp.GetRequiredService<RedisWidgetSseService>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisWidgetSseService>()); // listens at start, after the connection is made
        }

        var adminRole = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.AdminRole ?? "admin";
        var publisherRole = configuration.GetSection(WidgetStreamOptions.Section).Get<WidgetStreamOptions>()?.PublisherRole;
        services.AddAuthorizationBuilder().AddPolicy(WidgetStreamsController.PublisherPolicy, p => p.RequireAuthenticatedUser()
            .RequireAssertion(c => ExactClaims.HasRole(c.User, adminRole) || (!string.IsNullOrEmpty(publisherRole) && ExactClaims.HasRole(c.User, publisherRole))));
        return services;
    }
}
