using System.Diagnostics;
using ChatKit.EntityFrameworkCore;

namespace ChatKitServer.Hosting;

/// <summary>
/// Once the server has started, stamps again the rows whose stored JSON this build does not vouch for yet
/// (<see cref="EfChatKitStore.RestampStoredJsonAsync"/>, docs/decisions/0020): after an upgrade or a .NET servicing update
/// no stamp matches, and lists read and write every older row again until it is saved. Batches of 256 rows with a pause
/// between them, each batch that has rows to stamp one write through the store's write path, so the pass gives way to
/// requests; it reads only the rows added since this build's last pass (the mark in <c>chatkit_store_state</c>). <c>Database:RestampStoredJson=false</c> turns it off.
/// </summary>
internal sealed partial class StoredJsonRestampService(EfChatKitStore store, IHostApplicationLifetime lifetime, ILogger<StoredJsonRestampService> log) : BackgroundService
{
    private const int BatchSize = 256;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await HostStarted.WaitAsync(lifetime, stoppingToken)) return;
        var clock = Stopwatch.StartNew();
        try
        {
            var pass = await store.RestampStoredJsonAsync(BatchSize, Pause, cancellationToken: stoppingToken);
            if (pass.Items + pass.Threads > 0)
                LogRestamped(pass.Items, pass.Threads, pass.Skipped, pass.Read, clock.Elapsed.TotalSeconds);
            else
                LogNothingToDo(pass.Read, pass.Skipped, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped();
        }
        catch (Exception ex)
        {
            // A background optimization: the rows it did not reach are read the long way, as before; the server goes on.
            LogFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored JSON stamped again for this build: {Items} items, {Threads} threads ({Skipped} rows left as they are) of {Read} rows read in {Seconds:0.0} s")]
    private partial void LogRestamped(int items, int threads, int skipped, int read, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored JSON: the {Read} rows added since this build's last pass are vouched for ({Skipped} without a wire form), checked in {Seconds:0.0} s")]
    private partial void LogNothingToDo(int read, int skipped, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stamping stored JSON again stopped with the server; the rest is stamped on the next start or when saved")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stamping stored JSON again failed; rows it did not reach are read the long way until saved")]
    private partial void LogFailed(Exception exception);
}
