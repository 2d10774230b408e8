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
/// holds its write has committed. A write that finds nobody queued behind it runs alone, as before.
/// </para>
/// </summary>
public sealed class ChatKitWriteGate
{
    /// <summary>The most writes one transaction takes.</summary>
    public const int MaxBatch = 64;

    private readonly SemaphoreSlim? _gate;
    private readonly Channel<Job>? _queue;
    private int _draining;

    private ChatKitWriteGate(SemaphoreSlim? gate)
    {
        _gate = gate;
        if (gate is not null) _queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    }

    /// <summary>A gate that never waits, for databases with concurrent writers.</summary>
    public static ChatKitWriteGate None { get; } = new(null);

    /// <summary>A gate that lets one write through at a time.</summary>
    public static ChatKitWriteGate SingleWriter() => new(new SemaphoreSlim(1, 1));

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
        if (_queue is null)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await write(db).ConfigureAwait(false);
            return;
        }
        var job = new Job(write, cancellationToken);
        await _queue.Writer.WriteAsync(job, cancellationToken).ConfigureAwait(false);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            _ = Task.Run(() => DrainAsync(contexts), CancellationToken.None);
        await job.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Commits what is queued, batch by batch, until the queue is empty; one drainer at a time.</summary>
    private async Task DrainAsync(IDbContextFactory<ChatKitDbContext> contexts)
    {
        while (true)
        {
            while (_queue!.Reader.TryPeek(out _))
                await CommitBatchAsync(contexts).ConfigureAwait(false);
            Volatile.Write(ref _draining, 0);
            // A write queued after the last look but before the flag was cleared found a drainer running: take it over.
            if (!_queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
        }
    }

    private async Task CommitBatchAsync(IDbContextFactory<ChatKitDbContext> contexts)
    {
        var batch = new List<Job>(4);
        while (batch.Count < MaxBatch && _queue!.Reader.TryRead(out var queued))
        {
            if (queued.Cancellation.IsCancellationRequested) queued.Done.TrySetCanceled(queued.Cancellation);
            else batch.Add(queued);
        }
        if (batch.Count == 0) return;
        await _gate!.WaitAsync().ConfigureAwait(false);
        try
        {
            await using var db = await contexts.CreateDbContextAsync().ConfigureAwait(false);
            if (batch.Count == 1)
            {
                await RunAloneAsync(db, batch[0]).ConfigureAwait(false);
                return;
            }
            await RunTogetherAsync(db, batch).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The context or the transaction failed before any write could be answered: every write of the batch failed.
            foreach (var job in batch) job.Done.TrySetException(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task RunAloneAsync(ChatKitDbContext db, Job job)
    {
        try
        {
            await job.Write(db).ConfigureAwait(false);
            job.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            job.Done.TrySetException(ex);
        }
    }

    private static async Task RunTogetherAsync(ChatKitDbContext db, List<Job> batch)
    {
        var written = new List<Job>(batch.Count);
        await using var transaction = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            var savepoint = "w" + i;
            await transaction.CreateSavepointAsync(savepoint).ConfigureAwait(false);
            try
            {
                await batch[i].Write(db).ConfigureAwait(false);
                await transaction.ReleaseSavepointAsync(savepoint).ConfigureAwait(false);
                written.Add(batch[i]);
            }
            catch (Exception ex)
            {
                // This write alone is undone and answered with its error; the others go on.
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
            return;
        }
        foreach (var job in written) job.Done.TrySetResult();
    }

    /// <summary>A turn to write, released on dispose.</summary>
    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => gate?.Release();
    }

    private sealed class Job(Func<ChatKitDbContext, Task> write, CancellationToken cancellation)
    {
        public Func<ChatKitDbContext, Task> Write { get; } = write;
        public CancellationToken Cancellation { get; } = cancellation;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
