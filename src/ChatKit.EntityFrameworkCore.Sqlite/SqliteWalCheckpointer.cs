using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Checkpoints a SQLite file's WAL beside the writer instead of inside one of its commits. SQLite's own automatic checkpoint
/// runs in the commit that takes the WAL past 1,000 pages, so that commit holds the single writer through two fsyncs (a few
/// milliseconds on a disk) while every write queued behind it waits: under 64 streams that was the tail of the first event.
/// Here the write gate reports its commits (<see cref="Committed"/>); every <see cref="WritesPerCheckpoint"/> writes a
/// <c>PRAGMA wal_checkpoint(PASSIVE)</c> runs on a thread and a connection of its own, which copies the WAL into
/// the database without taking the write lock, so the writer goes on meanwhile. The store's connections keep SQLite's
/// automatic checkpoint as a safety net at <see cref="SafetyNetPages"/> pages (<see cref="SqliteConnectionSettings"/>): a WAL
/// that outgrows the background checkpoints (they fail, or one write is very large) is still checkpointed by the writer.
/// Durability is unchanged: what a commit makes durable, and when, is the same under <c>synchronous=NORMAL</c>; only which
/// connection runs the checkpoint differs. See docs/decisions/0025-sqlite-checkpoints-beside-the-writer.md.
/// </summary>
internal sealed class SqliteWalCheckpointer(string connectionString, ILogger<SqliteWalCheckpointer> logger)
{
    // Never creates the file: a database deleted under a running server is not replaced by an empty one.
    private readonly string _connectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();

    /// <summary>
    /// Writes between two background checkpoints, a few hundred pages at the store's 3 to 5 pages per write: small checkpoints
    /// often (about every 80 ms at 64 streams) held the tail of queued writes lower than SQLite's 1,000 pages (bench/README.md).
    /// </summary>
    public const int WritesPerCheckpoint = 64;

    /// <summary>The WAL size, in pages, at which a commit checkpoints by itself (SQLite's default is 1,000).</summary>
    public const int SafetyNetPages = 4000;

    private int _since;
    private int _running;
    private long _checkpoints;

    /// <summary>Background checkpoints that ran to their end (succeeded or not); once counted, the next can start.</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>
    /// Counts <paramref name="writes"/> just committed and starts a background checkpoint when enough have been since the last
    /// one and none is running. Called by the write gate while it holds the writer: returns at once, never throws.
    /// </summary>
    public void Committed(int writes)
    {
        if (Interlocked.Add(ref _since, writes) < WritesPerCheckpoint || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        Volatile.Write(ref _since, 0);
        // On a thread of its own, not the pool's: the checkpoint blocks in fsync for milliseconds, and on a small machine a
        // pool thread held that long is one of the few that resume the requests (and the queued writes). Not the
        // committing request's work: its execution context (trace, logging scope) does not follow.
        using (ExecutionContext.SuppressFlow())
            new Thread(static checkpointer => ((SqliteWalCheckpointer)checkpointer!).Run()) { IsBackground = true, Name = "ChatKit WAL checkpoint" }.Start(this);
    }

    private void Run()
    {
        var started = Stopwatch.GetTimestamp();
        string? failed = null;
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            using var reader = command.ExecuteReader();
            if (reader.Read() && logger.IsEnabled(LogLevel.Debug))
                logger.LogDebug("WAL checkpoint beside the writer: {Copied} of {Frames} frames copied in {Elapsed:F2} ms (busy: {Busy})",
                    reader.GetInt32(2), reader.GetInt32(1), Stopwatch.GetElapsedTime(started).TotalMilliseconds, reader.GetInt32(0) != 0);
        }
        catch (Exception ex)
        {
            // The checkpoint's thread must not throw (that would end the process); the failure is logged and counted, and the writer's own checkpoint at
            // SafetyNetPages still bounds the WAL.
            failed = ex.GetType().Name;
            logger.LogWarning(ex, "A WAL checkpoint beside the writer failed; the writer checkpoints by itself once the WAL reaches {Pages} pages", SafetyNetPages);
        }
        finally
        {
            if (ChatKitTelemetry.StoreCheckpointDuration.Enabled)
                ChatKitTelemetry.StoreCheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(ChatKitTelemetry.ErrorTag, failed));
            Volatile.Write(ref _running, 0);
            Interlocked.Increment(ref _checkpoints); // last: a checkpoint counted is one the next can follow
        }
    }
}
