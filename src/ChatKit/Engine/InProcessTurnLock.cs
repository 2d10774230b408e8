namespace ChatKit;

/// <summary>
/// The turn lock of one process: an async lock per thread id, kept only while someone holds or waits
/// for it. Enough for one server (SQLite on one machine); several instances on one database need a
/// lock the database holds (see <see cref="IChatKitTurnLock"/>), which may use this one first so that
/// the turns of one process queue in memory.
/// </summary>
public sealed class InProcessTurnLock : IChatKitTurnLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users;
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable> AcquireAsync(string threadId, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(threadId, out entry!))
                _entries[threadId] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(threadId, entry);
            throw;
        }
        return new Releaser(this, threadId, entry);
    }

    private void Leave(string threadId, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
                _entries.Remove(threadId);
        }
    }

    private sealed class Releaser(InProcessTurnLock owner, string threadId, Entry entry) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                entry.Semaphore.Release();
                owner.Leave(threadId, entry);
            }
            return ValueTask.CompletedTask;
        }
    }
}
