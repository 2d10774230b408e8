namespace ChatKit;

/// <summary>
/// One turn at a time per thread. A turn (the answer to a new message, a client tool's output, a
/// structured input, a retry or a custom action) holds its thread's lock from before it reads the
/// thread until its last item is saved, so two turns never interleave their items and each starts
/// from what the one before it left (title, status, pending calls). The engine takes it in one place.
/// <see cref="InProcessTurnLock"/> serializes the turns of one process; instances sharing a database
/// need a lock the database holds (ChatKit.EntityFrameworkCore.PostgreSql and .SqlServer have one),
/// which a holder that dies must release.
/// </summary>
public interface IChatKitTurnLock
{
    /// <summary>
    /// Waits until no other turn holds <paramref name="threadId"/>'s lock, then holds it until the result
    /// is disposed. Cancelling <paramref name="cancellationToken"/> gives up waiting.
    /// </summary>
    Task<IAsyncDisposable> AcquireAsync(string threadId, CancellationToken cancellationToken);
}
