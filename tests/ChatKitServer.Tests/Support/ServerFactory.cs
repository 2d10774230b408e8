using ChatKit;
using ChatKit.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests.Support;

/// <summary>The database a test server runs on.</summary>
public enum TestDatabase
{
    /// <summary>A SQLite file in the server's temporary folder.</summary>
    Sqlite,
    /// <summary>A new database on the test run's PostgreSQL server (<see cref="PostgreSqlServer"/>; skipped when PostgreSQL is not installed).</summary>
    PostgreSql,
}

/// <summary>
/// The real server in memory: real configuration, a real database (a SQLite file in a temporary
/// folder, or a new database on a real PostgreSQL), both deleted on dispose, optionally another
/// responder or extra settings. A PostgreSQL database given in <c>ConnectionStrings:ChatKit</c> is
/// shared, not owned: it is left for its creator to drop.
/// </summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly string? _ownedPostgreSqlDatabase;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "chatkit-tests", Guid.NewGuid().ToString("n"));
    public string DatabasePath => Path.Combine(Folder, "chatkit.db");
    public TestDatabase Database { get; }
    public string ConnectionString => _settings["ConnectionStrings:ChatKit"]!;

    public ServerFactory(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, TestDatabase database = TestDatabase.Sqlite)
    {
        Directory.CreateDirectory(Folder);
        Database = database;
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:ChatKit"] = $"Data Source={DatabasePath}",
            ["Attachments:Path"] = Path.Combine(Folder, "attachments"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        if (database == TestDatabase.PostgreSql)
        {
            _settings["Database:Provider"] = "PostgreSql";
            if (settings?.ContainsKey("ConnectionStrings:ChatKit") != true)
                _settings["ConnectionStrings:ChatKit"] = _ownedPostgreSqlDatabase = Task.Run(async () => await (await PostgreSqlServer.SharedAsync()).CreateDatabaseAsync()).GetAwaiter().GetResult();
        }
        foreach (var (k, v) in settings ?? []) _settings[k] = v;
        _services = services;
    }

    /// <summary>A factory whose responder is <paramref name="responder"/>.</summary>
    public static ServerFactory WithResponder(IChatKitResponder responder, Dictionary<string, string?>? settings = null, TestDatabase database = TestDatabase.Sqlite) =>
        new(settings, s => s.Replace(ServiceDescriptor.Singleton(responder)), database);

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
        if (_ownedPostgreSqlDatabase is not null)
            Task.Run(async () => await (await PostgreSqlServer.SharedAsync()).DropDatabaseAsync(_ownedPostgreSqlDatabase)).GetAwaiter().GetResult();
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
