using ChatKit.AspNetCore;
using ChatKit;
using ChatKit.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Attachments;

/// <summary>
/// Removes attachments that no message uses once they are older than
/// <see cref="AttachmentOptions.UnusedRetention"/>: the record, if it is still unused when it is deleted, then the bytes.
/// </summary>
public sealed class UnusedAttachmentCleanup(
    IDbContextFactory<ChatKitDbContext> contexts,
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
            // The record goes first, and only while it is still unused: a message may have taken it since the list was read
            // (on this instance or another), and then it keeps its bytes. A record another instance's pass removed first
            // (instances started together tick together) is skipped the same way.
            var claimed = await db.Attachments
                .Where(a => a.Id == attachment.Id && a.UserId == attachment.UserId && a.ThreadId == null && a.CreatedAt <= cutoff)
                .ExecuteDeleteAsync(ct);
            if (claimed == 0) continue;
            await storage.DeleteAsync(attachment.Id, ct);
            removed++;
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
