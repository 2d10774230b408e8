using ChatKit.AspNetCore;
using EmbeddedChatKit;
using Microsoft.Extensions.AI;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAuthentication().AddScheme<SampleAuthOptions, SampleAuthHandler>("sample", null);
builder.Services.AddAuthorization();
builder.Services.AddSingleton<IChatClient, ShoutingChatClient>(); // the app's model: any IChatClient (OpenAI, Azure OpenAI, Ollama...)
builder.Services.AddChatKit().BindConfiguration()            // ChatKit:PublicBaseUrl: the address attachment links are built on
    .AddResponder<AskTheModelResponder>()
    .AddInMemoryStore()                                          // the store first: attachments wrap it
    .AddAttachments(o => o.Path = builder.Configuration["Attachments:Path"] ?? "data/attachments"); // uploads, signed previews

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/", () => "An app of its own; ChatKit answers at POST /chatkit.");
app.MapChatKit("/chatkit").RequireAuthorization();
app.MapChatKitAttachments().RequireAuthorization();             // the upload link and the preview check their signature instead
app.Run();

/// <summary>The sample's entry point, visible to its tests.</summary>
public partial class Program;
