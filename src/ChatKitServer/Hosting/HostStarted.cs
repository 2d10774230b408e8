namespace ChatKitServer.Hosting;

/// <summary>For background passes that run once the server has started (the database is migrated before, and the first requests come first).</summary>
internal static class HostStarted
{
    /// <summary>True once the host has started; false when it stops first.</summary>
    public static async Task<bool> WaitAsync(IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
                return true;
            }
            catch (OperationCanceledException)
            {
                return false; // stopped before it started
            }
        }
    }
}
