using ChatKit;
using ChatKit.Testing;
using ChatKit.Tests.Support;
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
/// The real server in memory through the shipped test kit (<see cref="ChatKitTestHost{TProgram}"/>: real configuration,
/// bearer tokens, <c>ClientFor</c>), on a SQLite file or a new database on the run's PostgreSQL, both deleted on
/// dispose. A PostgreSQL database given in <c>ConnectionStrings:ChatKit</c> is shared, not owned: it is left for its
/// creator to drop.
/// </summary>
public sealed class ServerFactory : ChatKitTestHost<Program>
{
    private readonly string? _ownedPostgreSqlDatabase;

    public TestDatabase Database { get; }

    /// <summary>The SQLite file of a <see cref="TestDatabase.Sqlite"/> server.</summary>
    public string DatabasePath => Path.Combine(Folder, "chatkit.db");

    /// <summary>A server with <paramref name="settings"/>, <paramref name="services"/> replaced, on <paramref name="database"/>, answering from <paramref name="inlineScript"/> (the scripted model) when given.</summary>
    public ServerFactory(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, TestDatabase database = TestDatabase.Sqlite, string? inlineScript = null)
        : this(settings ?? [], services, database, inlineScript, OwnedDatabase(settings, database))
    {
    }

    private ServerFactory(Dictionary<string, string?> settings, Action<IServiceCollection>? services, TestDatabase database, string? inlineScript, string? ownedPostgreSqlDatabase)
        : base(inlineScript: inlineScript, settings: OnDatabase(settings, database, ownedPostgreSqlDatabase), services: services)
    {
        Database = database;
        _ownedPostgreSqlDatabase = ownedPostgreSqlDatabase;
    }

    private static string? OwnedDatabase(Dictionary<string, string?>? settings, TestDatabase database) =>
        database == TestDatabase.PostgreSql && settings?.ContainsKey("ConnectionStrings:ChatKit") != true
            ? Task.Run(async () => await (await PostgreSqlServer.SharedAsync()).CreateDatabaseAsync()).GetAwaiter().GetResult()
            : null;

    private static Dictionary<string, string?> OnDatabase(Dictionary<string, string?> settings, TestDatabase database, string? owned)
    {
        if (database == TestDatabase.Sqlite) return settings;
        var all = new Dictionary<string, string?> { ["Database:Provider"] = "PostgreSql", ["ConnectionStrings:ChatKit"] = owned };
        foreach (var (key, value) in settings) all[key] = value;
        return all;
    }

    /// <summary>A server whose responder is <paramref name="responder"/>.</summary>
    public static ServerFactory WithResponder(IChatKitResponder responder, Dictionary<string, string?>? settings = null, TestDatabase database = TestDatabase.Sqlite) =>
        new(settings, s => s.Replace(ServiceDescriptor.Singleton(responder)), database);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownedPostgreSqlDatabase is not null)
            Task.Run(async () => await (await PostgreSqlServer.SharedAsync()).DropDatabaseAsync(_ownedPostgreSqlDatabase)).GetAwaiter().GetResult();
    }
}
