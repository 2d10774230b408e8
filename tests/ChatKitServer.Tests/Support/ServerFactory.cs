using ChatKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests.Support;

/// <summary>
/// The real server in memory: real configuration, real SQLite file in a temporary folder
/// (deleted on dispose), optionally another responder or extra settings.
/// </summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "chatkit-tests", Guid.NewGuid().ToString("n"));
    public string DatabasePath => Path.Combine(Folder, "chatkit.db");

    public ServerFactory(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Directory.CreateDirectory(Folder);
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:ChatKit"] = $"Data Source={DatabasePath}",
            ["Attachments:Path"] = Path.Combine(Folder, "attachments"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? []) _settings[k] = v;
        _services = services;
    }

    /// <summary>A factory whose responder is <paramref name="responder"/>.</summary>
    public static ServerFactory WithResponder(IChatKitResponder responder, Dictionary<string, string?>? settings = null) =>
        new(settings, s => s.Replace(ServiceDescriptor.Singleton(responder)));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        if (_services is not null) builder.ConfigureTestServices(_services);
    }

    public ChatKitTestClient CreateChatKitClient() => new(CreateClient());

    /// <summary>Serves through real Kestrel on a free loopback port (for limits that live in Kestrel); returns its address.</summary>
    public Uri StartKestrel()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        UseKestrel(port);
        StartServer();
        return new Uri($"http://127.0.0.1:{port}");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing background task; the temp folder is cleaned by the OS.
        }
    }
}
