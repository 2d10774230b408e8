using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// A database the EF Core store runs on: how its context is configured, whether writes queue, the turn lock the
/// database can hold, and how migrations are applied. Each provider package has one (ChatKit.EntityFrameworkCore.Sqlite,
/// .SqlServer, .PostgreSql), chosen with its <c>Use…</c> method on <see cref="ChatKitStoreBuilder"/>; another database
/// is added by deriving from <see cref="ChatKitDatabaseProvider{TContext}"/>. The chosen provider is registered as a
/// singleton of this type, so a host can migrate contexts of its own on the same database the same way (<see cref="MigrateAsync"/>).
/// </summary>
public abstract class ChatKitDatabaseProvider
{
    /// <summary>How many times SQL Server and PostgreSQL retry an operation that failed with a transient error, unless told otherwise.</summary>
    public const int DefaultMaxRetryCount = 6;

    /// <summary>The longest wait between two retries (they back off exponentially up to this), unless told otherwise.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);

    private protected ChatKitDatabaseProvider()
    {
    }

    /// <summary>The database's name in messages, e.g. <c>SQLite</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the database can hold the turn lock of several instances (<see cref="ChatKitTurnLockMode.Database"/>).</summary>
    public virtual bool HasDatabaseTurnLock => false;

    /// <summary>The gate the store's writes go through: <see cref="ChatKitWriteGate.None"/> unless the database takes one writer at a time.</summary>
    public virtual ChatKitWriteGate CreateWriteGate() => ChatKitWriteGate.None;

    /// <summary>The gate the store's writes go through, for a host whose logs are <paramref name="logs"/>; by default <see cref="CreateWriteGate()"/>.</summary>
    public virtual ChatKitWriteGate CreateWriteGate(ILoggerFactory logs) => CreateWriteGate();

    /// <summary>The turn lock held by the database, shared by every instance on it; asked only when <see cref="HasDatabaseTurnLock"/>.</summary>
    public virtual IChatKitTurnLock CreateDatabaseTurnLock(ILoggerFactory logs) =>
        throw new NotSupportedException($"{Name} has no turn lock held by the database.");

    /// <summary>
    /// Creates the database when it is missing and applies the pending migrations of <paramref name="db"/> (the store's context,
    /// or another context on the same database), so that instances starting together apply each migration once.
    /// By default EF's own <c>MigrateAsync</c> and its migration lock.
    /// </summary>
    public virtual Task MigrateAsync(DbContext db, CancellationToken cancellationToken = default) =>
        db.Database.MigrateAsync(cancellationToken);

    /// <summary>Applies the store's migrations (<see cref="MigrateAsync"/>) with what the database needs around them (SQLite: the file's folder, WAL).</summary>
    public virtual Task MigrateStoreAsync(ChatKitDbContext db, CancellationToken cancellationToken = default) =>
        MigrateAsync(db, cancellationToken);

    /// <summary>
    /// New connections (not yet open) for the store's hot reads, which keeps a few of them open with their statements
    /// prepared between reads (see docs/decisions/0019-write-path-per-turn.md); null, the default, when the store reads
    /// through EF alone. The connections must take <c>LIMIT</c>, <c>@name</c> parameters and <c>Prepare()</c> before values are set.
    /// SQLite gives them for a database file. When there are, a single-writer gate (<see cref="CreateWriteGate(ILoggerFactory)"/>) also keeps its
    /// writer's connection open between batches, checked with <see cref="ReadConnectionsStillValid"/> the same way.
    /// </summary>
    protected internal virtual Func<DbConnection>? ReadConnections => null;

    /// <summary>
    /// Whether the connections of <see cref="ReadConnections"/> opened earlier still reach the store's database, asked before
    /// each read; when not, they are closed and the read opens a new one. SQLite: whether the database file is still there
    /// (a deleted file stays readable through the connections that have it open).
    /// </summary>
    protected internal virtual bool ReadConnectionsStillValid => true;

    /// <summary>
    /// Compiles <paramref name="sql"/>, one of the store's hot reads, on <paramref name="connection"/> (open, from
    /// <see cref="ReadConnections"/>), with the parameters <paramref name="parameterNames"/> (<c>@name</c> in the SQL, given
    /// in this order to <see cref="ChatKitPreparedRead.Start"/>). By default a prepared <see cref="DbCommand"/> read through its
    /// <see cref="DbDataReader"/>; SQLite reads its statement's columns without Microsoft.Data.Sqlite's reader.
    /// </summary>
    protected internal virtual ChatKitPreparedRead PrepareRead(DbConnection connection, string sql, IReadOnlyList<string> parameterNames) =>
        new CommandPreparedRead(connection, sql, parameterNames);

    /// <summary>Registers the pooled factory of the provider's context, and the same factory as <see cref="IDbContextFactory{ChatKitDbContext}"/>.</summary>
    internal abstract void AddContextFactory(IServiceCollection services, int poolSize);
}

/// <summary>A database the EF Core store runs on, with <typeparamref name="TContext"/>: the context that owns its schema and migrations.</summary>
public abstract class ChatKitDatabaseProvider<TContext> : ChatKitDatabaseProvider where TContext : ChatKitDbContext
{
    /// <summary>Configures <typeparamref name="TContext"/>'s options: the EF provider, its connection and its settings.</summary>
    protected abstract void Configure(DbContextOptionsBuilder options);

    internal sealed override void AddContextFactory(IServiceCollection services, int poolSize)
    {
        services.AddPooledDbContextFactory<TContext>(Configure, poolSize);
        services.AddSingleton<IDbContextFactory<ChatKitDbContext>>(sp => new BaseFactory(sp.GetRequiredService<IDbContextFactory<TContext>>()));
    }

    private sealed class BaseFactory(IDbContextFactory<TContext> inner) : IDbContextFactory<ChatKitDbContext>
    {
        public ChatKitDbContext CreateDbContext() => inner.CreateDbContext();
        public async Task<ChatKitDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
    }
}
