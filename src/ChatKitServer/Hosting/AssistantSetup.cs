using ChatKit;
using ChatKitServer.Assistant;
using ChatKitServer.Assistant.History;
using ChatKitServer.Assistant.Mcp;
using ChatKitServer.Assistant.Models;
using ChatKit.Scripted;
using ChatKitServer.Assistant.Tools;
using ChatKitServer.Configuration;
using ChatKitServer.Responders;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
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
        // One registration: errors are recorded around the titling responder, which wraps whichever responder the provider gives.
        // Built on a turn's first use: most requests never run it (ResponderOnFirstUse).
        // The factory matches the constructor once (CreateInstance matched it by reflection on every turn: 1.6% of a seeding profile).
        var titling = ActivatorUtilities.CreateFactory<TitlingResponder>(Type.EmptyTypes);
        services.AddScoped<IChatKitResponder>(sp => new ResponderOnFirstUse(() =>
            new ErrorRecordingResponder(titling(sp, null), sp.GetRequiredService<TimeProvider>())));
        var provider = configuration.GetValue(AssistantOptions.Section + ":Provider", AssistantProvider.Offline);
        if (provider == AssistantProvider.Offline)
        {
            services.AddKeyedScoped<IChatKitResponder, OfflineResponder>(TitlingResponder.Inner);
            services.AddSingleton<IThreadTitleMaker, MessageTitleMaker>();
            return services;
        }

        services.AddSingleton<ChatClientFactory>();
        services.AddModelChatClient(provider);
        services.AddScoped<ConversationHistory>();
        services.AddSingleton<AttachmentParts>();
        services.AddScoped<IThreadSearch, StoreThreadSearch>();
        services.AddScoped<IChatKitTool, SearchThreadsTool>();
        services.AddScoped<IChatKitTool, RememberTool>();
        services.AddScoped<IChatKitTool, RecallTool>();
        services.AddSingleton<McpServers>();
        services.AddHostedService(sp => sp.GetRequiredService<McpServers>());
        services.AddScoped<ToolRegistry>();
        services.AddScoped<ToolCallRunner>();
        services.AddKeyedScoped<IChatKitResponder, ModelResponder>(TitlingResponder.Inner);
        services.AddSingleton<IThreadTitleMaker, ModelTitleMaker>();
        var transcription = provider == AssistantProvider.AzureOpenAI
            ? configuration[AzureOpenAIOptions.Section + ":TranscriptionDeployment"]
            : configuration[OpenAIOptions.Section + ":TranscriptionModel"];
        if (provider != AssistantProvider.Scripted && !string.IsNullOrWhiteSpace(transcription))
            services.AddSingleton<IChatKitTranscriber, OpenAITranscriber>();
        return services;
    }

    /// <summary>
    /// The model seam: an <see cref="IChatClient"/> for the provider (the scripted model, or the official
    /// OpenAI / Azure OpenAI clients per model), with Microsoft.Extensions.AI's logging and OpenTelemetry
    /// (GenAI conventions, prompts and answers left out) around it while anything listens (<see cref="TracedWhenListened"/>).
    /// A host that registers its own
    /// <see cref="IChatClient"/> first keeps it (any IChatClient: OllamaSharp, another vendor's SDK...).
    /// </summary>
    private static void AddModelChatClient(this IServiceCollection services, AssistantProvider provider)
    {
        if (services.Any(d => d.ServiceType == typeof(IChatClient) && !d.IsKeyedService)) return;
        // The scripted model is a service of its own under the pipeline, so a test host can swap its script and keep the middleware.
        if (provider == AssistantProvider.Scripted)
            services.AddSingleton(sp => ScriptedChatClient.FromFile(sp.GetRequiredService<IOptions<AssistantOptions>>().Value.ScriptPath!, sp.GetRequiredService<TimeProvider>()));
        services.AddChatClient(sp => provider == AssistantProvider.Scripted
                ? sp.GetRequiredService<ScriptedChatClient>()
                : ActivatorUtilities.CreateInstance<ModelRouterChatClient>(sp))
            .UseLogging()
            // Traced with the GenAI conventions while anything listens (the OpenTelemetry SDK when collected, another APM's listener).
            .Use((inner, sp) => new TracedWhenListened(inner,
                new OpenTelemetryChatClient(inner, sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(OpenTelemetryChatClient)), ModelTelemetrySource),
                ModelTelemetrySource));
    }

    /// <summary>The ActivitySource and Meter name of the model calls (OpenTelemetry GenAI conventions).</summary>
    public const string ModelTelemetrySource = "ChatKitServer.Model";
}
