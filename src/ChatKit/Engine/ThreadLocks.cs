namespace ChatKit;

/// <summary>
/// One async lock per thread id, so that two streams on one thread run one after the other
/// and their items never interleave. In-process only: instances behind a load balancer need
/// sticky threads or a store that serializes turns.
/// </summary>
internal sealed class ThreadLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users;
    }

    /// <summary>Waits for the thread's lock; dispose the result to release it.</summary>
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

    private sealed class Releaser(ThreadLocks owner, string threadId, Entry entry) : IAsyncDisposable
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
