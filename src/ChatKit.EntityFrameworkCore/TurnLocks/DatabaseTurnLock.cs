using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// A turn lock the database holds, for server instances that share one database
/// (docs/decisions/0008-turn-lock.md). A turn first queues in its own process (<see cref="InProcessTurnLock"/>),
/// so an instance uses at most one connection per thread it is running; then a connection of its
/// own takes the database's session-level lock and keeps it for the whole turn. The database releases
/// a session's locks when the session ends, so a holder that crashes, or whose connection dies,
/// releases the lock without anyone's help.
/// </summary>
public abstract class DatabaseTurnLock : IChatKitTurnLock
{
    /// <summary>The application name of the lock connections (visible in the database's session lists).</summary>
    public const string ApplicationName = "chatkit-turn-lock";

    private static readonly TimeSpan UnlockTimeout = TimeSpan.FromSeconds(15);
    private const int MaxAttempts = 3;
    private readonly InProcessTurnLock _local = new();
    private readonly ILogger _logger;

    /// <summary>Creates the lock.</summary>
    protected DatabaseTurnLock(ILogger logger) => _logger = logger;

    /// <inheritdoc />
    public async Task<IAsyncDisposable> AcquireAsync(string threadId, CancellationToken cancellationToken)
    {
        var local = await _local.AcquireAsync(threadId, cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await LockAsync(connection, threadId, cancellationToken).ConfigureAwait(false);
                    return new Held(this, threadId, connection, local);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attempt < MaxAttempts && ex is DbException { IsTransient: true })
                {
                    // A pooled connection the server closed meanwhile (a restart, a failover): its session and
                    // any lock are gone; throw it and its pool mates away and wait on a new connection.
                    _logger.LogWarning(ex, "The turn lock connection for {ThreadId} failed; trying a new one", threadId);
                    Discard(connection);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                catch
                {
                    // A wait that was cancelled just as the lock was granted leaves it held: let it go before giving up.
                    await ReleaseAsync(connection, threadId).ConfigureAwait(false);
                    throw;
                }
            }
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a connection for one turn's lock (from a pool of the lock's own, never the store's).</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Waits, for as long as it takes, until this connection's session holds <paramref name="threadId"/>'s lock.</summary>
    protected abstract Task LockAsync(DbConnection connection, string threadId, CancellationToken cancellationToken);

    /// <summary>Releases <paramref name="threadId"/>'s lock when this session holds it; does nothing otherwise.</summary>
    protected abstract Task UnlockAsync(DbConnection connection, string threadId, CancellationToken cancellationToken);

    /// <summary>Makes sure <paramref name="connection"/> is closed for good rather than pooled: its session may still hold the lock.</summary>
    protected abstract void Discard(DbConnection connection);

    private async Task ReleaseAsync(DbConnection connection, string threadId)
    {
        try
        {
            // Never the turn's token: a turn whose client left must still let the next one run.
            using var timeout = new CancellationTokenSource(UnlockTimeout);
            await UnlockAsync(connection, threadId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or OperationCanceledException or InvalidOperationException)
        {
            // The connection failed: its session is gone or goes now, and the database releases the lock with it.
            _logger.LogWarning(ex, "Could not release the turn lock of {ThreadId} on its connection; closing the connection instead", threadId);
            Discard(connection);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Held(DatabaseTurnLock owner, string threadId, DbConnection connection, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            try
            {
                await owner.ReleaseAsync(connection, threadId).ConfigureAwait(false);
            }
            finally
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
