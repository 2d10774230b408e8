using ChatKitServer.Auth;
using ChatKitServer.Configuration;
using ChatKitServer.Hosting;

return await StartupFailure.RunAsync(async () =>
{
    SettingsFilesPolling.Enable();
    var builder = WebApplication.CreateBuilder(PublishedWebRoot.Options(args));
    builder.Configuration.AddRepositorySettings();

    builder.AddLogging();
    builder.Services.AddValidatedSettings(builder.Environment);
    builder.Services.AddChatKitPersistence(builder.Configuration);
    builder.Services.AddChatKitProtocol();
    builder.Services.AddAssistant(builder.Configuration);
    builder.Services.AddAttachments();
    builder.Services.AddWidgetStreams(builder.Configuration);
    builder.Services.AddChatKitAuth(builder.Configuration);
    builder.Services.AddRequestLimits();
    builder.Services.AddChatKitWeb(builder.Configuration);
    builder.Services.AddApiDescription();
    builder.Services.AddChatKitTelemetry(builder.Configuration);

    var app = builder.Build();

    await app.PrepareDatabaseAsync();
    app.LogPerInstanceState();
    app.UseChatKitWeb();
    app.MapApiDescription();
    app.MapChatKitTelemetry();

    await app.RunAsync();
});

/// <summary>The web host's entry point, visible to integration tests.</summary>
public partial class Program;
