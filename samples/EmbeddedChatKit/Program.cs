using ChatKit.AspNetCore;
using EmbeddedChatKit;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAuthentication().AddScheme<SampleAuthOptions, SampleAuthHandler>("sample", null);
builder.Services.AddAuthorization();
builder.Services.AddChatKit().AddResponder<ShoutingResponder>().AddInMemoryStore();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/", () => "An app of its own; ChatKit answers at POST /chatkit.");
app.MapChatKit("/chatkit").RequireAuthorization();
app.Run();

/// <summary>The sample's entry point, visible to its tests.</summary>
public partial class Program;
