using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.EntityFrameworkCore;
using ChatKit.Json;
using ChatKitServer.Assistant.History;
using Microsoft.EntityFrameworkCore;

namespace ChatKitServer.Admin;

/// <summary>Which threads an admin looks at: by owner, creation time and text, newest first.</summary>
public sealed record AdminThreadFilter(string? User = null, DateTimeOffset? From = null, DateTimeOffset? To = null, string? Text = null, int Limit = 50, string? After = null);

public sealed record AdminThreadRow(string Id, string UserId, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Status, int ItemCount);

public sealed record AdminThreadPage(IReadOnlyList<AdminThreadRow> Threads, bool HasMore, string? After);

public sealed record AdminUsage(string ItemId, string Model, int PromptTokens, int CompletionTokens);

public sealed record AdminFeedback(string ItemId, string Kind, DateTimeOffset At);

/// <summary>Everything about one thread: its items (hidden ones included), token usage and feedback.</summary>
public sealed record AdminThreadDetail(AdminThreadRow Thread, ThreadMetadata Metadata, IReadOnlyList<ThreadItem> Items, IReadOnlyList<AdminUsage> Usage, IReadOnlyList<AdminFeedback> Feedback)
{
    /// <summary>Each item's JSON exactly as the store keeps it, in the same order as <see cref="Items"/>.</summary>
    public IReadOnlyList<string> StoredItems { get; init; } = [];

    public int PromptTokens => Usage.Sum(u => u.PromptTokens);
    public int CompletionTokens => Usage.Sum(u => u.CompletionTokens);
}

/// <summary>Read and delete threads across users, for administrators. Straight EF Core queries over the ChatKit tables.</summary>
public sealed class AdminQueries(IDbContextFactory<ChatKitDbContext> contexts, IServiceScopeFactory scopes)
{
    public const int MaxLimit = 200;

    /// <summary>The longest text filter, in characters: enough for any phrase; SQL Server refuses a LIKE pattern over 8,000 bytes.</summary>
    public const int MaxTextLength = 500;

    public async Task<AdminThreadPage> ListAsync(AdminThreadFilter filter, CancellationToken ct)
    {
        if (filter.Limit is < 1 or > MaxLimit)
            throw new ChatKitValidationException($"'limit' must be between 1 and {MaxLimit}.");
        if (filter.Text?.Trim().Length > MaxTextLength)
            throw new ChatKitValidationException($"'q' is longer than {MaxTextLength} characters.");
        // As the overview says it (an empty list looked like "no threads then").
        if (filter is { From: { } start, To: { } end } && end <= start)
            throw new ChatKitValidationException($"'to' ({end.ToUniversalTime():O}) must be after 'from' ({start.ToUniversalTime():O}).");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Threads.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.User)) query = query.Where(t => t.UserId == filter.User);
        if (filter.From is { } from) query = query.Where(t => t.CreatedAt >= from);
        if (filter.To is { } to) query = query.Where(t => t.CreatedAt < to);
        // What a person reads of threads (titles, messages, widget text, file names), ignoring case alike on every database: decision 0022.
        // While a rebuild for new folding rules is under way, rows it has not reached are matched as their rules wrote them.
        if (!string.IsNullOrWhiteSpace(filter.Text))
            query = query.WhereTextContains(db, filter.Text.Trim(), await ChatKitThreadSearch.RebuildAsync(db, ct));
        if (filter.After is not null)
        {
            var cursor = await db.Threads.Where(t => t.Id == filter.After).Select(t => new { t.CreatedAt, t.Sequence }).FirstOrDefaultAsync(ct)
                ?? throw new ChatKitValidationException($"The 'after' cursor '{filter.After}' does not name a thread.");
            query = query.Where(t => t.CreatedAt < cursor.CreatedAt || (t.CreatedAt == cursor.CreatedAt && t.Sequence < cursor.Sequence));
        }
        // Newest first, in the order threads.list uses (creation time, then arrival).
        var rows = await query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Sequence).Take(filter.Limit + 1)
            .Select(t => new { t.Id, t.UserId, t.Title, t.CreatedAt, t.UpdatedAt, t.StatusJson, Items = db.Items.Count(i => i.ThreadId == t.Id) })
            .ToListAsync(ct);
        var page = rows.Take(filter.Limit).Select(r => new AdminThreadRow(r.Id, r.UserId, r.Title, r.CreatedAt, r.UpdatedAt, StatusOf(r.StatusJson), r.Items)).ToList();
        return new AdminThreadPage(page, rows.Count > filter.Limit, page.Count > 0 ? page[^1].Id : null);
    }

    public async Task<AdminThreadDetail> GetAsync(string threadId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var thread = await db.Threads.AsNoTracking().FirstOrDefaultAsync(t => t.Id == threadId, ct) ?? throw ChatKitNotFoundException.Thread(threadId);
        var stored = await db.Items.AsNoTracking().Where(i => i.ThreadId == threadId).OrderBy(i => i.CreatedAt).ThenBy(i => i.Sequence).Select(i => i.Json).ToListAsync(ct);
        var items = stored.Select(json => ChatKitJson.Deserialize<ThreadItem>(json)).ToList();
        var feedback = await db.Feedback.AsNoTracking().Where(f => f.ThreadId == threadId).OrderBy(f => f.Sequence)
            .Select(f => new AdminFeedback(f.ItemId, f.Kind, f.CreatedAt)).ToListAsync(ct);
        var usage = items.OfType<HiddenContextItem>().Where(h => HiddenRecords.KindOf(h) == HiddenRecords.UsageKind)
            .Select(h => (JsonObject)h.Content!)
            .Select(o => new AdminUsage((string?)o["item_id"] ?? "", (string?)o["model"] ?? "", (int?)o["prompt_tokens"] ?? 0, (int?)o["completion_tokens"] ?? 0))
            .ToList();
        var row = new AdminThreadRow(thread.Id, thread.UserId, thread.Title, thread.CreatedAt, thread.UpdatedAt, StatusOf(thread.StatusJson), items.Count);
        return new AdminThreadDetail(row, EfChatKitStore.ToThread(thread), items, usage, feedback) { StoredItems = stored };
    }

    public async Task DeleteAsync(string threadId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var owner = await db.Threads.Where(t => t.Id == threadId).Select(t => t.UserId).FirstOrDefaultAsync(ct) ?? throw ChatKitNotFoundException.Thread(threadId);
        // The protocol's own delete, as the owner: the thread goes with everything of it, attachment bytes included.
        await using var scope = scopes.CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<ChatKitEngine>();
        await engine.ProcessAsync(new ThreadsDeleteRequest { Params = new ThreadIdParams { ThreadId = threadId } }, new ChatKitContext { UserId = owner }, ct);
    }

    private static string StatusOf(string json) => ChatKitJson.Deserialize<ThreadStatus>(json).Kind;
}
