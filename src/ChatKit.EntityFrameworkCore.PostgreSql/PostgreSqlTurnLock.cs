using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The turn lock on PostgreSQL: session-level advisory locks, all of one instance's held by <b>one</b> session
/// of its own. A turn first queues in its own process (<see cref="InProcessTurnLock"/>: advisory locks are
/// re-entrant within a session, so the process must never ask twice for one thread), then asks the session
/// for the thread's key with <c>pg_try_advisory_lock</c>, and, while another instance holds it, asks again
/// after a short, growing pause (10 ms up to 250 ms). Holding a lock costs no connection: an instance with
/// thousands of turns in flight uses one (a lock per connection exhausted the pool at a few hundred turns,
/// bench/README.md). PostgreSQL releases a session's locks when the session ends, whatever ended it: a
/// crashed instance frees every thread it held. When the session breaks under a running instance (a
/// server restart, a failover, a terminated backend), the next command opens a new session and takes the
/// locks of the turns still running again; one that another instance took meanwhile is logged, and that
/// turn finishes unprotected (decision 0008). While turns hold locks, the session is checked every
/// probe interval (1 s by default) when no command is using it, so a broken session is replaced within
/// about that time even when no other turn starts or ends; a turn that ends without holding its lock any
/// more is logged too.
/// </summary>
public sealed class PostgreSqlTurnLock : IChatKitTurnLock, IAsyncDisposable, IDisposable
{
    private const string SessionSettings =
        "-c statement_timeout=0 -c lock_timeout=0 -c idle_session_timeout=0 -c idle_in_transaction_session_timeout=0 " +
        "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3";

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10), LongestPause = TimeSpan.FromMilliseconds(250);
    private const int MaxAttempts = 3;

    private readonly InProcessTurnLock _local = new();
    private readonly NpgsqlDataSource _connections;
    private readonly ILogger<PostgreSqlTurnLock> _logger;
    private readonly SemaphoreSlim _session = new(1, 1);
    private readonly HashSet<long> _held = [];
    private NpgsqlConnection? _connection;
    private readonly Timer _probe;
    private volatile bool _disposed;

    /// <summary>How often the session is checked while turns hold locks, unless given.</summary>
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>Creates the lock for the database of <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">The database's connection string.</param>
    /// <param name="logger">Where a lost lock is reported.</param>
    /// <param name="probeInterval">How often the session is checked while turns hold locks (<see cref="DefaultProbeInterval"/>).</param>
    public PostgreSqlTurnLock(string connectionString, ILogger<PostgreSqlTurnLock> logger, TimeSpan? probeInterval = null)
    {
        _logger = logger;
        var every = probeInterval ?? DefaultProbeInterval;
        _probe = new Timer(static state => _ = ((PostgreSqlTurnLock)state!).ProbeAsync(), this, every, every);
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = DatabaseTurnLock.ApplicationName,
            Enlist = false,
            KeepAlive = 30,
            MaxPoolSize = 2, // the session, and its successor while a broken one is replaced
        };
        settings.Options = string.IsNullOrWhiteSpace(settings.Options) ? SessionSettings : settings.Options + " " + SessionSettings;
        _connections = NpgsqlDataSource.Create(settings.ConnectionString);
    }

    /// <summary>The advisory lock key of a thread: the first 64 bits of the SHA-256 of its id, the same in every process.</summary>
    public static long KeyOf(string threadId) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("chatkit-turn:" + threadId)));

    /// <inheritdoc />
    public async Task<IAsyncDisposable> AcquireAsync(string threadId, CancellationToken cancellationToken)
    {
        var local = await _local.AcquireAsync(threadId, cancellationToken).ConfigureAwait(false);
        try
        {
            var key = KeyOf(threadId);
            for (var pause = FirstPause; ; pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await TryLockAsync(key, cancellationToken).ConfigureAwait(false))
                    return new Held(this, threadId, key, local);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> TryLockAsync(long key, CancellationToken cancellationToken)
    {
        await _session.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Once asked, the answer is awaited whatever the token says: a lock granted must be known to be held.
            var granted = await OnSessionAsync(connection => ScalarAsync(connection, "SELECT pg_try_advisory_lock($1)", key)).ConfigureAwait(false);
            if (granted) _held.Add(key);
            return granted;
        }
        finally
        {
            _session.Release();
        }
    }

    private async Task ReleaseAsync(string threadId, long key)
    {
        await _session.WaitAsync().ConfigureAwait(false);
        try
        {
            // Still counted as held while the unlock runs: a session that this command finds broken and replaces takes the
            // lock again first (or logs that another instance has it), so the unlock below says whether the turn held it.
            if (!await OnSessionAsync(connection => ScalarAsync(connection, "SELECT pg_advisory_unlock($1)", key)).ConfigureAwait(false))
                _logger.LogWarning("The turn on {ThreadId} ended without holding its lock: the lock's session broke while it ran and another instance took the thread meanwhile", threadId);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // The session is gone: PostgreSQL let go of its locks with it.
            _logger.LogWarning(ex, "Could not release the turn lock of {ThreadId}; its session is gone, and the lock with it", threadId);
        }
        finally
        {
            _held.Remove(key);
            _session.Release();
        }
    }

    /// <summary>
    /// Checks the session while turns hold locks and no command is using it (one that is would find it broken itself):
    /// a broken session is replaced, and the running turns' locks taken again, without waiting for the next turn.
    /// </summary>
    private async Task ProbeAsync()
    {
        if (_disposed || !await _session.WaitAsync(0).ConfigureAwait(false)) return;
        try
        {
            if (_held.Count > 0 && !_disposed)
                await OnSessionAsync(connection => ScalarAsync(connection, "SELECT true", null)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "The turn lock session could not be checked or replaced; the next check tries again");
        }
        finally
        {
            _session.Release();
        }
    }

    /// <summary>Runs <paramref name="command"/> on the session (held by the caller), opening a new session when the old one broke.</summary>
    private async Task<bool> OnSessionAsync(Func<NpgsqlConnection, Task<bool>> command)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = _connection ??= await OpenSessionAsync().ConfigureAwait(false);
            try
            {
                return await command(connection).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < MaxAttempts && ex is DbException { IsTransient: true } or NpgsqlException or InvalidOperationException)
            {
                _logger.LogWarning(ex, "The turn lock session failed; opening a new one");
                _connection = null;
                NpgsqlConnection.ClearPool(connection);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<NpgsqlConnection> OpenSessionAsync()
    {
        var connection = await _connections.OpenConnectionAsync().ConfigureAwait(false);
        // A session that replaces a broken one takes again the locks of the turns still running.
        foreach (var key in _held)
        {
            if (!await ScalarAsync(connection, "SELECT pg_try_advisory_lock($1)", key).ConfigureAwait(false))
                _logger.LogWarning("The turn lock {Key} was taken by another instance while this one's session was replaced; its running turn is no longer exclusive", key);
        }
        return connection;
    }

    private static async Task<bool> ScalarAsync(NpgsqlConnection connection, string sql, long? key)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 30 };
        if (key is { } value) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return (bool)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _probe.DisposeAsync().ConfigureAwait(false);
        // A check in progress finishes before its session goes (bounded: its command has a timeout of its own).
        var entered = await _session.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        try
        {
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            await _connections.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (entered) _session.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _probe.Dispose();
        _connection?.Dispose();
        _connections.Dispose();
    }

    private sealed class Held(PostgreSqlTurnLock owner, string threadId, long key, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            try
            {
                await owner.ReleaseAsync(threadId, key).ConfigureAwait(false);
            }
            finally
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
