namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Chooses the EF Core store's database and turn lock, in <see cref="ChatKitDatabaseSetup.AddChatKitEntityFrameworkStore"/>.
/// The databases come with the provider packages, each with its <c>Use…</c> method:
/// <code>
/// services.AddChatKitEntityFrameworkStore(store => store.UseSqlite("Data Source=chatkit.db"));          // ChatKit.EntityFrameworkCore.Sqlite
/// services.AddChatKitEntityFrameworkStore(store => store.UsePostgreSql(connectionString)                 // ChatKit.EntityFrameworkCore.PostgreSql
///     .UseTurnLock(ChatKitTurnLockMode.Database));
/// services.AddChatKitEntityFrameworkStore(store => store.UseSqlServer(connectionString,                  // ChatKit.EntityFrameworkCore.SqlServer
///     sql => sql.EnableRetryOnFailure(3)));
/// </code>
/// </summary>
public sealed class ChatKitStoreBuilder
{
    internal ChatKitDatabaseProvider? Database { get; private set; }

    internal ChatKitTurnLockMode TurnLock { get; private set; } = ChatKitTurnLockMode.Auto;

    /// <summary>Runs the store on <paramref name="database"/> (what the provider packages' <c>Use…</c> methods call); one database per store.</summary>
    public ChatKitStoreBuilder UseDatabase(ChatKitDatabaseProvider database)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (Database is not null)
            throw new InvalidOperationException($"The store's database is already {Database.Name}: call one Use… method.");
        Database = database;
        return this;
    }

    /// <summary>The lock that keeps turns on one thread apart (default <see cref="ChatKitTurnLockMode.Auto"/>).</summary>
    public ChatKitStoreBuilder UseTurnLock(ChatKitTurnLockMode mode)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown turn lock mode.");
        TurnLock = mode;
        return this;
    }
}
