using ChatKit;
using ChatKit.EntityFrameworkCore;
using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;

namespace ChatKitServer.Assistant.Tools;

/// <summary>The assistant's per-user memory in the ChatKit database (table <c>chatkit_memories</c>).</summary>
public sealed class EfUserMemory(IDbContextFactory<ChatKitDbContext> contexts, TimeProvider time, ChatKitWriteGate writes) : IUserMemory
{
    /// <summary>The most memories kept per user; the oldest go first.</summary>
    public const int MaxPerUser = 500;

    public async Task<MemoryEntry> AddAsync(string userId, string text, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var record = new MemoryRecord { Id = ChatKitIds.New("mem"), UserId = userId, Text = text, CreatedAt = time.GetUtcNow() };
        db.Memories.Add(record);
        using var turn = await writes.EnterAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        var overflow = await db.Memories.Where(m => m.UserId == userId).OrderByDescending(m => m.Sequence).Skip(MaxPerUser).Select(m => m.Sequence).FirstOrDefaultAsync(cancellationToken);
        if (overflow > 0)
            await db.Memories.Where(m => m.UserId == userId && m.Sequence <= overflow).ExecuteDeleteAsync(cancellationToken);
        return new MemoryEntry(record.Id, record.Text, record.CreatedAt);
    }

    public async Task<IReadOnlyList<MemoryEntry>> SearchAsync(string userId, string? query, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var mine = db.Memories.AsNoTracking().Where(m => m.UserId == userId);
        foreach (var word in (query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(8))
        {
            var pattern = "%" + word.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").ToLowerInvariant() + "%";
            mine = mine.Where(m => EF.Functions.Like(m.Text.ToLower(), pattern, "\\"));
        }
        var rows = await mine.OrderByDescending(m => m.Sequence).Take(limit).ToListAsync(cancellationToken);
        return rows.Select(r => new MemoryEntry(r.Id, r.Text, r.CreatedAt)).ToList();
    }
}
