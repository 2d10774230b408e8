using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store on a SQLite file: one writer at a time through the <see cref="ChatKitWriteGate"/>, each connection with
/// <c>synchronous=NORMAL</c> (<see cref="SqliteConnectionSettings"/>), the database in WAL mode once migrated, its checkpoints
/// run beside the writer (<see cref="SqliteWalCheckpointer"/>); for a file,
/// the turn lock of every process on it (<see cref="SqliteFileTurnLock"/>, the system's byte-range locks, which a crashed
/// process gives back), for an in-memory database the process's own. See docs/decisions/0007-sqlite-write-path.md and 0008.
/// </summary>
internal sealed class SqliteChatKitProvider(string connectionString, Action<SqliteDbContextOptionsBuilder>? sqliteOptions)
    : ChatKitDatabaseProvider<SqliteChatKitDbContext>
{
    public override string Name => "SQLite";

    private readonly SqliteConnectionStringBuilder _settings = new(connectionString);

    /// <summary>
    /// A file's connections, each keeping its statements' plans and waiting for other processes' writes
    /// (<see cref="SqliteConnectionSettings.ForReads"/>); an in-memory database is
    /// another database on every connection, so it reads through EF alone.
    /// </summary>
    protected override Func<DbConnection>? ReadConnections =>
        !IsFile ? null : () => SqliteConnectionSettings.ForReads(new SqliteConnection(connectionString));

    /// <summary>Whether the file is still there (one stat); a URI file name is not looked at.</summary>
    protected override bool ReadConnectionsStillValid =>
        _settings.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || File.Exists(_settings.DataSource);

    /// <summary>
    /// The <see cref="AppContext"/> switch that has the store's reads go through Microsoft.Data.Sqlite's reader instead of
    /// calling SQLite on the statement (<see cref="SqliteDirectRead"/>); off by default.
    /// </summary>
    public const string ReadThroughDataReaderSwitch = "ChatKit.EntityFrameworkCore.Sqlite.ReadThroughDataReader";

    /// <summary>Read by calling SQLite on the statement (<see cref="SqliteDirectRead"/>) where SQLitePCL's provider allows it and the switch is off.</summary>
    protected override ChatKitPreparedRead PrepareRead(DbConnection connection, string sql, IReadOnlyList<string> parameterNames) =>
        (AppContext.TryGetSwitch(ReadThroughDataReaderSwitch, out var throughReader) && throughReader
            ? null
            : SqliteDirectRead.TryPrepare(connection, sql, parameterNames))
        ?? base.PrepareRead(connection, sql, parameterNames);

    public override ChatKitWriteGate CreateWriteGate() => ChatKitWriteGate.SingleWriter();

    /// <summary>For a file, a gate whose commits drive WAL checkpoints beside the writer (<see cref="SqliteWalCheckpointer"/>).</summary>
    public override ChatKitWriteGate CreateWriteGate(ILoggerFactory logs) => IsFile
        ? ChatKitWriteGate.SingleWriter(new SqliteWalCheckpointer(connectionString, logs.CreateLogger<SqliteWalCheckpointer>()).Committed)
        : CreateWriteGate();

    private bool IsFile => _settings.Mode != SqliteOpenMode.Memory && _settings.DataSource is not ("" or ":memory:");

    /// <summary>A plain file name (not in memory, not a <c>file:</c> URI) on a system with byte-range locks (not macOS).</summary>
    public override bool HasDatabaseTurnLock =>
        !OperatingSystem.IsMacOS() && _settings.Mode != SqliteOpenMode.Memory && _settings.DataSource is not ("" or ":memory:")
        && !_settings.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    public override IChatKitTurnLock CreateDatabaseTurnLock(ILoggerFactory logs) => OperatingSystem.IsMacOS()
        ? throw new PlatformNotSupportedException("SQLite's turn lock across processes needs byte-range locks, which .NET does not have on macOS.")
        : new SqliteFileTurnLock(_settings.DataSource, logs.CreateLogger<SqliteFileTurnLock>());

    protected override void Configure(DbContextOptionsBuilder options) =>
        options.UseSqlite(connectionString, sqliteOptions).AddInterceptors(new SqliteConnectionSettings());

    public override async Task MigrateStoreAsync(ChatKitDbContext db, CancellationToken cancellationToken = default)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(folder) && file != ":memory:") Directory.CreateDirectory(folder);
        await MigrateAsync(db, cancellationToken).ConfigureAwait(false);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
    }
}
