using System.ComponentModel.DataAnnotations;
using ChatKit.EntityFrameworkCore;

namespace ChatKitServer.Hosting;

/// <summary>The database providers the server chooses from (<c>Database:Provider</c>), one provider package each.</summary>
public enum DatabaseProvider
{
    /// <summary>An embedded SQLite file (the default; ChatKit.EntityFrameworkCore.Sqlite).</summary>
    Sqlite,
    /// <summary>Microsoft SQL Server or Azure SQL (ChatKit.EntityFrameworkCore.SqlServer).</summary>
    SqlServer,
    /// <summary>PostgreSQL (ChatKit.EntityFrameworkCore.PostgreSql, Npgsql).</summary>
    PostgreSql,
}

/// <summary>The server's database: <c>Database:*</c> and <c>ConnectionStrings:ChatKit</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>The provider (<c>Database:Provider</c>).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>The provider's connection string (<c>ConnectionStrings:ChatKit</c>).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "ConnectionStrings:ChatKit must not be empty.")]
    public string ConnectionString { get; set; } = "Data Source=chatkit.db";

    /// <summary>
    /// How many times SQL Server and PostgreSQL retry an operation that failed with a transient error
    /// (EF's retry-on-failure execution strategy; 0 turns it off). SQLite does not retry.
    /// </summary>
    [Range(0, 20, ErrorMessage = "Database:MaxRetryCount must be between 0 and 20 (0: no retries).")]
    public int MaxRetryCount { get; set; } = ChatKitDatabaseProvider.DefaultMaxRetryCount;

    /// <summary>The longest wait between two retries (they back off exponentially up to this).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Database:MaxRetryDelaySeconds must be between 0 and 300 (seconds).")]
    public TimeSpan MaxRetryDelay { get; set; } = ChatKitDatabaseProvider.DefaultMaxRetryDelay;

    /// <summary>
    /// The longest one operation keeps retrying, from its first attempt (<c>Database:MaxRetryTimeSeconds</c>; see
    /// <see cref="ChatKitRetryBudget"/>). Unset: two thirds of the shorter of <c>Deadlines:RequestSeconds</c> and
    /// <c>ChatKit:KeepAliveSeconds</c> (10 s with the defaults), so that a request whose database stays down answers 503
    /// before its deadline's 408, and a stream before its first keep-alive sends its headers.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00", ErrorMessage = "Database:MaxRetryTimeSeconds must be between 0.1 and 300 (seconds).")]
    public TimeSpan MaxRetryTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the start waits for a SQL Server or PostgreSQL database that is not reachable yet (<c>Database:StartupWaitSeconds</c>;
    /// 0: no wait): migrating is tried again, backing off from 0.5 s to 5 s, while it fails with a transient error (a refused
    /// connection, a database still starting up). Any other error (a wrong password, a failed migration) stops the start at once.
    /// A container started before its database then starts with it instead of failing after <see cref="MaxRetryTime"/>; see
    /// <see cref="DatabaseStartupWait"/> and docs/decisions/0023. SQLite does not wait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Database:StartupWaitSeconds must be between 0 and 600 (seconds; 0: no wait).")]
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The turn lock (<see cref="ChatKitTurnLockMode.Database"/> needs SQL Server, PostgreSQL or a SQLite file).</summary>
    public ChatKitTurnLockMode TurnLock { get; set; } = ChatKitTurnLockMode.Auto;

    /// <summary>
    /// Whether the server, once started, stamps again in the background the rows whose stored JSON this build does not vouch
    /// for yet (<c>Database:RestampStoredJson</c>, on by default; docs/decisions/0020): after an upgrade or a .NET servicing
    /// update, lists read and write older rows again until they are saved, or until this pass has stamped them.
    /// </summary>
    public bool RestampStoredJson { get; set; } = true;

    /// <summary>Reads the settings from <paramref name="configuration"/> and validates them (a <see cref="ValidationException"/> names the key that is wrong).</summary>
    public static DatabaseOptions From(IConfiguration configuration)
    {
        var options = new DatabaseOptions
        {
            Provider = configuration.GetValue("Database:Provider", DatabaseProvider.Sqlite),
            ConnectionString = configuration.GetConnectionString("ChatKit") ?? "Data Source=chatkit.db",
        };
        options.MaxRetryCount = configuration.GetValue("Database:MaxRetryCount", options.MaxRetryCount);
        options.MaxRetryDelay = TimeSpan.FromSeconds(configuration.GetValue("Database:MaxRetryDelaySeconds", options.MaxRetryDelay.TotalSeconds));
        options.MaxRetryTime = TimeSpan.FromSeconds(configuration.GetValue("Database:MaxRetryTimeSeconds", DefaultMaxRetrySeconds(configuration)));
        options.StartupWait = TimeSpan.FromSeconds(configuration.GetValue("Database:StartupWaitSeconds", options.StartupWait.TotalSeconds));
        options.TurnLock = configuration.GetValue("Database:TurnLock", options.TurnLock);
        options.RestampStoredJson = configuration.GetValue("Database:RestampStoredJson", options.RestampStoredJson);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }

    /// <summary>
    /// Two thirds of the shorter of the request deadline and the keep-alive interval (when keep-alives are on), within the
    /// range <see cref="MaxRetryTime"/> accepts: a long deadline (<c>Deadlines:RequestSeconds</c> may be up to an hour) must
    /// not stop the start over a setting nobody made.
    /// </summary>
    private static double DefaultMaxRetrySeconds(IConfiguration configuration)
    {
        var shortest = configuration.GetValue("Deadlines:RequestSeconds", new Limits.DeadlineOptions().RequestSeconds);
        var keepAlive = configuration.GetValue("ChatKit:KeepAliveSeconds", new ChatKit.AspNetCore.ChatKitHttpOptions().KeepAliveSeconds);
        if (keepAlive > 0) shortest = Math.Min(shortest, keepAlive);
        return Math.Clamp(shortest * 2 / 3, 0.1, MaxRetryTimeLimit.TotalSeconds);
    }

    /// <summary>The longest <see cref="MaxRetryTime"/> accepted (its range).</summary>
    private static readonly TimeSpan MaxRetryTimeLimit = TimeSpan.FromMinutes(5);

    /// <summary>The drivers' own connect timeout when a connection string sets none (Npgsql's <c>Timeout</c>, SqlClient's <c>Connect Timeout</c>).</summary>
    private const int DriverConnectTimeoutSeconds = 15;

    /// <summary>
    /// <see cref="ConnectionString"/> with a connect timeout no longer than <see cref="MaxRetryTime"/> (whole seconds, at least
    /// 1, at most the drivers' 15) when it sets none: the retry budget starts no retry that would end past it, but one attempt
    /// to reach a host that drops packets lasted the driver's 15 s, past a 10 s budget and the request's deadline. A
    /// connection string's own timeout is kept as it is. SQLite connects to a file and is returned unchanged.
    /// </summary>
    public string EffectiveConnectionString
    {
        get
        {
            var keys = Provider switch
            {
                DatabaseProvider.PostgreSql => ["Timeout"],
                DatabaseProvider.SqlServer => new[] { "Connect Timeout", "Connection Timeout", "Timeout" },
                _ => null,
            };
            if (keys is null) return ConnectionString;
            var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = ConnectionString };
            if (keys.Any(builder.ContainsKey)) return ConnectionString;
            builder[keys[0]] = Math.Clamp((int)Math.Ceiling(MaxRetryTime.TotalSeconds), 1, DriverConnectTimeoutSeconds);
            return builder.ConnectionString;
        }
    }

    /// <summary>Runs the ChatKit store on this database (its provider package's <c>Use…</c> method, with the retries within their time and the turn lock).</summary>
    public ChatKitStoreBuilder UseIn(ChatKitStoreBuilder store) => (Provider switch
    {
        DatabaseProvider.Sqlite => store.UseSqlite(ConnectionString),
        DatabaseProvider.SqlServer => store.UseSqlServer(EffectiveConnectionString, sql => sql.EnableRetryOnFailureWithin(MaxRetryTime, MaxRetryCount, MaxRetryDelay)),
        DatabaseProvider.PostgreSql => store.UsePostgreSql(EffectiveConnectionString, npgsql => npgsql.EnableRetryOnFailureWithin(MaxRetryTime, MaxRetryCount, MaxRetryDelay)),
        _ => throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "Unknown database provider."),
    }).UseTurnLock(TurnLock);
}
