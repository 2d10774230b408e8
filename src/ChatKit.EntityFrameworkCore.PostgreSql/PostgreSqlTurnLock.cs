using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The turn lock on PostgreSQL: a session-level advisory lock (<c>pg_advisory_lock</c>) taken by a
/// connection held for the turn. Advisory locks belong to the database they are taken in and to the
/// session: PostgreSQL releases them when the session ends, whatever ended it. The lock connections
/// come from a pool of their own with settings that keep a long wait or a quiet turn alive
/// (no statement, lock or idle-session timeout) and TCP keepalives that let the server notice a
/// holder whose host vanished.
/// </summary>
public sealed class PostgreSqlTurnLock : DatabaseTurnLock, IAsyncDisposable, IDisposable
{
    private const string SessionSettings =
        "-c statement_timeout=0 -c lock_timeout=0 -c idle_session_timeout=0 -c idle_in_transaction_session_timeout=0 " +
        "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3";

    private readonly NpgsqlDataSource _connections;

    /// <summary>Creates the lock for the database of <paramref name="connectionString"/>.</summary>
    public PostgreSqlTurnLock(string connectionString, ILogger<PostgreSqlTurnLock> logger) : base(logger)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = ApplicationName,
            Enlist = false,
            KeepAlive = 30,
        };
        settings.Options = string.IsNullOrWhiteSpace(settings.Options) ? SessionSettings : settings.Options + " " + SessionSettings;
        _connections = NpgsqlDataSource.Create(settings.ConnectionString);
    }

    /// <summary>The advisory lock key of a thread: the first 64 bits of the SHA-256 of its id, the same in every process.</summary>
    public static long KeyOf(string threadId) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("chatkit-turn:" + threadId)));

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _connections.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task LockAsync(DbConnection connection, string threadId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_lock($1)", (NpgsqlConnection)connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter { Value = KeyOf(threadId) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UnlockAsync(DbConnection connection, string threadId, CancellationToken cancellationToken)
    {
        // The connection holds no other lock; this also covers a lock granted as its wait was cancelled.
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", (NpgsqlConnection)connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Discard(DbConnection connection) => NpgsqlConnection.ClearPool((NpgsqlConnection)connection);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connections.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => _connections.Dispose();
}
