using System.Diagnostics;
using ChatKit.EntityFrameworkCore;

namespace ChatKitServer.Hosting;

/// <summary>
/// Once the server has started, writes the search text of rows that have none (<see cref="EfChatKitStore.FillSearchTextAsync"/>,
/// docs/decisions/0022): rows from before the <c>SearchText</c> columns, and rows an older instance added during a rolling
/// upgrade; after a raise of <see cref="ChatKitSearchText.Version"/>, every row again (a rebuild stopped with the server goes on at
/// the next start). Until then the admin text filter matches those rows the way it did before. Batches of 256 rows with a pause
/// between them, through the store's write path; later starts read only the rows added since (the mark in <c>chatkit_store_state</c>).
/// Always on: the admin search depends on it.
/// </summary>
internal sealed partial class SearchTextFillService(EfChatKitStore store, IHostApplicationLifetime lifetime, ILogger<SearchTextFillService> log) : BackgroundService
{
    private const int BatchSize = 256;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await HostStarted.WaitAsync(lifetime, stoppingToken)) return;
        var clock = Stopwatch.StartNew();
        try
        {
            var pass = await store.FillSearchTextAsync(BatchSize, Pause, stoppingToken);
            if (pass.RebuiltFrom is { } from)
                LogRebuilt(from, ChatKitSearchText.Version, pass.Items, pass.Threads, pass.Skipped, pass.Read, clock.Elapsed.TotalSeconds);
            else if (pass.Items + pass.Threads > 0)
                LogFilled(pass.Items, pass.Threads, pass.Skipped, pass.Read, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped();
        }
        catch (Exception ex)
        {
            // The rows it did not reach are matched as before the columns; the next start goes on.
            LogFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search text written for {Items} items and {Threads} threads ({Skipped} rows left as they are) of {Read} rows read in {Seconds:0.0} s")]
    private partial void LogFilled(int items, int threads, int skipped, int read, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Search text rebuilt from rules version {FromVersion} to {ToVersion}: {Items} items and {Threads} threads changed ({Skipped} rows left as they are) of {Read} rows read in {Seconds:0.0} s")]
    private partial void LogRebuilt(int fromVersion, int toVersion, int items, int threads, int skipped, int read, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing search text stopped with the server; the rest is written on the next start")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing search text failed; rows it did not reach are searched as before until the next start")]
    private partial void LogFailed(Exception exception);
}
