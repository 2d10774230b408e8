using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Lets one write at a time into the database when the database itself takes one writer at a time.
/// SQLite has a single write lock: two connections writing together make one of them fail with
/// <c>SQLITE_BUSY</c>, which Microsoft.Data.Sqlite answers by sleeping the thread and retrying, so under
/// many concurrent streams writes waited in blocked threads for up to 150 ms at a time. Queuing them
/// here instead, asynchronously and in arrival order, keeps threads free and each write as short as
/// the write itself. SQL Server and PostgreSQL take concurrent writers and need no gate (<see cref="None"/>).
/// <para>
/// Store writes go through <see cref="WriteAsync"/>, which commits the writes that queued up together in one
/// transaction (group commit, decision 0019): each write runs inside a savepoint of its own, so one that
/// fails is rolled back alone and fails alone, and every caller returns only once the transaction that
/// holds its write has committed. A write that finds nobody queued behind it runs alone, as before. Whichever
/// caller or drainer commits it, a write runs in its own caller's execution context, so what it logs and traces
/// (through EF too) belongs to its own request.
/// </para>
/// <para>
/// On a SQLite file the context that commits a batch keeps its connection open for the next batches (at most
/// <see cref="MaxKeptConnectionAge"/>, and only while the database file is still there), so a write does not pay
/// for opening and closing a connection; the gate is disposed with the host, which closes it.
/// </para>
/// <para>
/// Every write reports its time (<see cref="ChatKitTelemetry.StoreWriteDuration"/>, tagged with whether it queued behind
/// another), and every commit of the single-writer path its time and its writes (<see cref="ChatKitTelemetry.StoreCommitDuration"/>,
/// <see cref="ChatKitTelemetry.StoreCommitWrites"/>).
/// </para>
/// </summary>
public sealed class ChatKitWriteGate : IAsyncDisposable, IDisposable
{
    /// <summary>The most writes one transaction takes.</summary>
    public const int MaxBatch = 64;

    /// <summary>How long the writer keeps one context and its open connection before it opens a new one.</summary>
    public static readonly TimeSpan MaxKeptConnectionAge = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim? _gate;
    private readonly Channel<Job>? _queue;
    private int _draining;
    private Func<bool>? _keepWhile;
    private ChatKitDbContext? _kept;
    private long _keptSince;
    private bool _disposed;

    private readonly Action<int>? _committed;

    private ChatKitWriteGate(SemaphoreSlim? gate, Action<int>? committed = null)
    {
        _gate = gate;
        _committed = committed;
        if (gate is not null) _queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    }

    /// <summary>A gate that never waits, for databases with concurrent writers.</summary>
    public static ChatKitWriteGate None { get; } = new(null);

    /// <summary>A gate that lets one write through at a time.</summary>
    public static ChatKitWriteGate SingleWriter() => new(new SemaphoreSlim(1, 1));

    /// <summary>
    /// A gate that lets one write through at a time and tells <paramref name="committed"/> the number of writes of each
    /// transaction that committed, right after it committed, on the thread that committed it and still holding the writer:
    /// it must return at once and not throw (SQLite: <c>SqliteWalCheckpointer</c> counts them to start a checkpoint).
    /// </summary>
    public static ChatKitWriteGate SingleWriter(Action<int> committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        return new(new SemaphoreSlim(1, 1), committed);
    }

    /// <summary>
    /// Lets the context that commits a batch keep its connection open for the next batches while
    /// <paramref name="stillValid"/> answers true (asked before each batch; SQLite: the file is still there).
    /// </summary>
    internal void KeepConnectionOpen(Func<bool> stillValid) => _keepWhile = stillValid;

    /// <summary>How many contexts the writer opened a connection on (one per batch unless it keeps them).</summary>
    internal long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);
    private long _connectionsOpened;

    /// <summary>Waits for the turn to write; dispose the result when the write is over.</summary>
    public async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate is null) return default;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(_gate);
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a context from <paramref name="contexts"/> and returns once it is committed:
    /// alone when the database takes concurrent writers, else in turn, sharing a transaction with the writes
    /// queued at the same moment. The write must leave nothing tracked that it did not save (it is followed by
    /// other writes on the same context).
    /// </summary>
    public async Task WriteAsync(IDbContextFactory<ChatKitDbContext> contexts, Func<ChatKitDbContext, Task> write, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var queued = false;
        try
        {
            if (_queue is null)
            {
                await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
                await write(db).ConfigureAwait(false);
                return;
            }
            var job = new Job(write, cancellationToken);
            await _queue.Writer.WriteAsync(job, cancellationToken).ConfigureAwait(false);
            // The caller that finds no drainer drains on its own thread until its write is committed (no hop to another
            // thread and back when nothing else is writing), then hands what is still queued to a drainer of its own.
            if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
                await DrainAsync(contexts, job).ConfigureAwait(false);
            else
                queued = true;
            await job.Done.Task.ConfigureAwait(false);
        }
        finally
        {
            if (ChatKitTelemetry.StoreWriteDuration.Enabled)
                ChatKitTelemetry.StoreWriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(ChatKitTelemetry.StoreWriteQueuedTag, queued));
        }
    }

    /// <summary>
    /// Commits what is queued, batch by batch, until the queue is empty, or, for a caller draining on its own
    /// thread, until <paramref name="own"/> is answered; one drainer at a time (the caller holds <c>_draining</c>).
    /// </summary>
    private async Task DrainAsync(IDbContextFactory<ChatKitDbContext> contexts, Job? own = null)
    {
        try
        {
            await DrainQueueAsync(contexts, own).ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _draining, 0); // the next write starts a drainer again rather than queueing behind none
            throw;
        }
    }

    private async Task DrainQueueAsync(IDbContextFactory<ChatKitDbContext> contexts, Job? own)
    {
        while (true)
        {
            while (_queue!.Reader.TryPeek(out _))
            {
                if (own is { Done.Task.IsCompleted: true })
                {
                    // The caller's write is answered; the writes queued behind it go on without holding the caller up,
                    // on a drainer that does not carry this caller's execution context (its logging scope, its trace).
                    using (ExecutionContext.SuppressFlow()) _ = Task.Run(() => DrainAsync(contexts), CancellationToken.None);
                    return;
                }
                await CommitBatchAsync(contexts).ConfigureAwait(false);
            }
            Volatile.Write(ref _draining, 0);
            // A write queued after the last look but before the flag was cleared found a drainer running: take it over.
            if (!_queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
        }
    }

    private async Task CommitBatchAsync(IDbContextFactory<ChatKitDbContext> contexts)
    {
        // The batch is taken once the gate is ours: the writes that queued while another writer held it go in together.
        await _gate!.WaitAsync().ConfigureAwait(false);
        var batch = new List<Job>(4);
        while (batch.Count < MaxBatch && _queue!.Reader.TryRead(out var queued))
        {
            if (queued.Cancellation.IsCancellationRequested) queued.Done.TrySetCanceled(queued.Cancellation);
            else batch.Add(queued);
        }
        if (batch.Count == 0)
        {
            _gate.Release();
            return;
        }
        ChatKitDbContext? db = null;
        var clean = false;
        var started = Stopwatch.GetTimestamp();
        try
        {
            db = await ContextAsync(contexts).ConfigureAwait(false);
            clean = batch.Count == 1 ? await RunAloneAsync(db, batch[0]).ConfigureAwait(false) : await RunTogetherAsync(db, batch).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The context or the transaction failed before any write could be answered: every write of the batch failed.
            foreach (var job in batch) job.Done.TrySetException(ex);
        }
        finally
        {
            // The context is kept for the next batch only when nothing failed on it (a failure may have left its connection
            // or a transaction in a state of its own) and nothing is left tracked or open.
            try
            {
                if (_committed is not null && Committed(batch) is > 0 and var written) _committed(written);
                if (db is not null && !(clean && Keep(db))) await db.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
                ChatKitTelemetry.StoreCommitWrites.Record(batch.Count);
                if (ChatKitTelemetry.StoreCommitDuration.Enabled) ChatKitTelemetry.StoreCommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
    }

    /// <summary>The writes of <paramref name="batch"/> that committed (answered with success; the others failed or were cancelled).</summary>
    private static int Committed(List<Job> batch)
    {
        var written = 0;
        foreach (var job in batch)
            if (job.Done.Task.IsCompletedSuccessfully) written++;
        return written;
    }

    /// <summary>The kept context when it is still good to write with, else a new one (its connection opened when it will be kept).</summary>
    private async Task<ChatKitDbContext> ContextAsync(IDbContextFactory<ChatKitDbContext> contexts)
    {
        if (_kept is { } kept)
        {
            _kept = null;
            if (Stopwatch.GetElapsedTime(_keptSince) < MaxKeptConnectionAge && _keepWhile!()) return kept;
            await kept.DisposeAsync().ConfigureAwait(false);
        }
        var db = await contexts.CreateDbContextAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _connectionsOpened);
        if (_keepWhile is null) return db;
        try
        {
            // Opened here, EF leaves it open across the commands and transactions of every batch until the context is disposed.
            await db.Database.OpenConnectionAsync().ConfigureAwait(false);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _keptSince = Stopwatch.GetTimestamp();
        return db;
    }

    private bool Keep(ChatKitDbContext db)
    {
        if (_keepWhile is null || Volatile.Read(ref _disposed) || db.Database.CurrentTransaction is not null || db.ChangeTracker.HasChanges()) return false;
        db.ChangeTracker.Clear();
        _kept = db;
        return true;
    }

    /// <summary>Closes the kept connection; writes after this open their own.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_gate is null) return; // None, shared by every host, keeps nothing
        Volatile.Write(ref _disposed, true);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_kept is { } kept)
            {
                _kept = null;
                await kept.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the kept connection (see <see cref="DisposeAsync"/>), for hosts disposed synchronously.</summary>
    public void Dispose()
    {
        if (_gate is null) return;
        Volatile.Write(ref _disposed, true);
        _gate.Wait();
        try
        {
            var kept = _kept;
            _kept = null;
            kept?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether the writer holds a context with an open connection for its next batch.</summary>
    internal bool HoldsConnection => Volatile.Read(ref _kept) is not null;

    private static async Task<bool> RunAloneAsync(ChatKitDbContext db, Job job)
    {
        try
        {
            await job.RunAsync(db).ConfigureAwait(false);
            job.Done.TrySetResult();
            return true;
        }
        catch (Exception ex)
        {
            job.Done.TrySetException(ex);
            return false;
        }
    }

    private static async Task<bool> RunTogetherAsync(ChatKitDbContext db, List<Job> batch)
    {
        var clean = true;
        var written = new List<Job>(batch.Count);
        await using var transaction = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            var savepoint = "w" + i;
            await transaction.CreateSavepointAsync(savepoint).ConfigureAwait(false);
            try
            {
                await batch[i].RunAsync(db).ConfigureAwait(false);
                await transaction.ReleaseSavepointAsync(savepoint).ConfigureAwait(false);
                written.Add(batch[i]);
            }
            catch (Exception ex)
            {
                // This write alone is undone and answered with its error; the others go on.
                clean = false;
                await transaction.RollbackToSavepointAsync(savepoint).ConfigureAwait(false);
                batch[i].Done.TrySetException(ex);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
        try
        {
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            foreach (var job in written) job.Done.TrySetException(ex);
            return false;
        }
        foreach (var job in written) job.Done.TrySetResult();
        return clean;
    }

    /// <summary>A turn to write, released on dispose.</summary>
    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => gate?.Release();
    }

    private sealed class Job(Func<ChatKitDbContext, Task> write, CancellationToken cancellation)
    {
        // The caller's execution context, for a write committed by another caller's drain or by the background drainer:
        // its async-locals (the caller's trace, Activity.Current, logging scopes) are the ones the write and EF see.
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        public CancellationToken Cancellation { get; } = cancellation;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Starts the write in its caller's execution context (as is, when that is the current one).</summary>
        public Task RunAsync(ChatKitDbContext db)
        {
            if (_context is null || ReferenceEquals(_context, ExecutionContext.Capture())) return write(db);
            Task? running = null;
            ExecutionContext.Run(_context, _ => running = write(db), null);
            return running!;
        }
    }
}
