namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Lets one write at a time into the database when the database itself takes one writer at a time.
/// SQLite has a single write lock: two connections writing together make one of them fail with
/// <c>SQLITE_BUSY</c>, which Microsoft.Data.Sqlite answers by sleeping the thread and retrying, so under
/// many concurrent streams writes waited in blocked threads for up to 150 ms at a time. Queuing them
/// here instead, asynchronously and in arrival order, keeps threads free and each write as short as
/// the write itself. SQL Server and PostgreSQL take concurrent writers and need no gate (<see cref="None"/>).
/// </summary>
public sealed class ChatKitWriteGate
{
    private readonly SemaphoreSlim? _gate;

    private ChatKitWriteGate(SemaphoreSlim? gate) => _gate = gate;

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

    /// <summary>A turn to write, released on dispose.</summary>
    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => gate?.Release();
    }
}
