namespace ChatKitServer.Configuration;

public static class ConfigurationExtensions
{
    /// <summary>Binds and validates every options class at start: a wrong value stops the server with a clear message.</summary>
    public static IServiceCollection AddValidatedSettings(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddOptions<ChatKitServerOptions>().BindConfiguration(ChatKitServerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AssistantOptions>().BindConfiguration(AssistantOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OpenAIOptions>().BindConfiguration(OpenAIOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AzureOpenAIOptions>().BindConfiguration(AzureOpenAIOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AssistantOptions>, ModelProviderValidation>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .PostConfigure(o => o.EnvironmentName = environment.EnvironmentName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
