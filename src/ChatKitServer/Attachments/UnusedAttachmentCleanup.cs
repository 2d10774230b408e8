using ChatKit;
using ChatKit.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Attachments;

/// <summary>
/// Removes attachments that no message uses once they are older than
/// <see cref="AttachmentOptions.UnusedRetention"/>: the bytes, then the record.
/// </summary>
public sealed class UnusedAttachmentCleanup(
    IDbContextFactory<ChatKitDbContext> contexts,
    IChatKitStore store,
    IAttachmentStorage storage,
    IOptions<AttachmentOptions> options,
    TimeProvider time,
    ILogger<UnusedAttachmentCleanup> logger) : BackgroundService
{
    /// <summary>One pass; returns how many attachments were removed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - options.Value.UnusedRetention;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var unused = await db.Attachments.AsNoTracking()
            .Where(a => a.ThreadId == null && a.CreatedAt <= cutoff)
            .Select(a => new { a.Id, a.UserId })
            .Take(1000)
            .ToListAsync(ct);
        var removed = 0;
        foreach (var attachment in unused)
        {
            await storage.DeleteAsync(attachment.Id, ct);
            try
            {
                await store.DeleteAttachmentAsync(attachment.Id, new ChatKitContext { UserId = attachment.UserId }, ct);
                removed++;
            }
            catch (ChatKitNotFoundException)
            {
                // Another instance's pass (instances started together tick together) removed it first; go on with the rest.
            }
        }
        if (removed > 0)
            logger.LogInformation("Removed {Count} attachments unused for more than {Retention}", removed, options.Value.UnusedRetention);
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next tick tries again; a failing database must not stop the server.
                logger.LogError(ex, "Cleaning up unused attachments failed");
            }
        }
    }
}
