using ChatKit;
using ChatKitServer.Assistant;
using ChatKitServer.Assistant.History;
using ChatKitServer.Assistant.Mcp;
using ChatKitServer.Assistant.Models;
using ChatKitServer.Assistant.Tools;
using ChatKitServer.Configuration;
using ChatKitServer.Responders;
using Microsoft.AspNetCore.Localization;

namespace ChatKitServer.Hosting;

public static class AssistantSetup
{
    /// <summary>The cultures of <c>locales/</c>; the first is the default.</summary>
    public static readonly string[] SupportedCultures = ["en", "fr", "de", "es"];

    /// <summary>The responder chosen by <c>Assistant:Provider</c>, its model, tools and texts.</summary>
    public static IServiceCollection AddAssistant(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.SetDefaultCulture(SupportedCultures[0]).AddSupportedCultures(SupportedCultures).AddSupportedUICultures(SupportedCultures);
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders = [new AcceptLanguageHeaderRequestCultureProvider()];
        });

        services.AddSingleton<IChatKitNotices, LocalizedChatKitNotices>();
        var provider = configuration.GetValue(AssistantOptions.Section + ":Provider", AssistantProvider.Offline);
        if (provider == AssistantProvider.Offline)
        {
            services.AddScoped<OfflineResponder>();
            services.AddSingleton<IThreadTitleMaker, MessageTitleMaker>();
            services.AddScoped<IChatKitResponder>(sp => new TitlingResponder(
                sp.GetRequiredService<OfflineResponder>(), sp.GetRequiredService<IThreadTitleMaker>(),
                sp.GetRequiredService<IChatKitStore>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AssistantOptions>>()));
            return services;
        }

        services.AddSingleton<ChatClientFactory>();
        if (provider == AssistantProvider.Scripted)
            services.AddSingleton<IChatModel, ScriptedChatModel>();
        else
            services.AddSingleton<IChatModel, OpenAIChatModel>();
        services.AddScoped<ConversationHistory>();
        services.AddSingleton<AttachmentParts>();
        services.AddScoped<IThreadSearch, StoreThreadSearch>();
        services.AddScoped<IChatKitTool, SearchThreadsTool>();
        services.AddScoped<IChatKitTool, RememberTool>();
        services.AddScoped<IChatKitTool, RecallTool>();
        services.AddSingleton<McpServers>();
        services.AddHostedService(sp => sp.GetRequiredService<McpServers>());
        services.AddScoped<ToolRegistry>();
        services.AddScoped<ModelResponder>();
        services.AddSingleton<IThreadTitleMaker, ModelTitleMaker>();
        services.AddScoped<IChatKitResponder>(sp => new TitlingResponder(
            sp.GetRequiredService<ModelResponder>(), sp.GetRequiredService<IThreadTitleMaker>(),
            sp.GetRequiredService<IChatKitStore>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AssistantOptions>>()));
        var transcription = provider == AssistantProvider.AzureOpenAI
            ? configuration[AzureOpenAIOptions.Section + ":TranscriptionDeployment"]
            : configuration[OpenAIOptions.Section + ":TranscriptionModel"];
        if (provider != AssistantProvider.Scripted && !string.IsNullOrWhiteSpace(transcription))
            services.AddSingleton<IChatKitTranscriber, OpenAITranscriber>();
        return services;
    }
}
