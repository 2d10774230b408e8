using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.EntityFrameworkCore;
using ChatKitServer.Assistant.History;
using Microsoft.EntityFrameworkCore;

namespace ChatKitServer.Admin;

/// <summary>
/// The overview's figures. Each table is read once for the range (only the columns needed; the JSON of
/// hidden items only, for usage and error records), and the figures are summed here, per UTC day: the
/// same EF queries on SQLite, PostgreSQL and SQL Server, with no date arithmetic in SQL (SQLite keeps
/// times as ticks). A range holding more than <see cref="MaxRows"/> threads, items or feedback rows is
/// refused with a 400 that says to narrow it, rather than summed in part.
/// </summary>
public sealed class AdminOverviewQueries(IDbContextFactory<ChatKitDbContext> contexts, TimeProvider time)
{
    /// <summary>The most threads, items or feedback rows one overview reads (each).</summary>
    public const int MaxRows = 100_000;

    /// <summary>The longest range, in days.</summary>
    public const int MaxDays = 366;

    /// <summary>The range when none is given: the last 30 days, today included.</summary>
    public const int DefaultDays = 30;

    /// <summary>How many threads the slowest-threads ranking shows.</summary>
    public const int SlowestCount = 10;

    internal sealed record ItemRow(long Sequence, string ThreadId, string Type, DateTimeOffset CreatedAt, string? HiddenJson);

    internal sealed record FeedbackRow(string Kind, DateTimeOffset CreatedAt);

    /// <summary>What one overview reads (each one row more than <see cref="MaxRows"/>, to tell when there are too many).</summary>
    internal sealed record Reads(IQueryable<DateTimeOffset> ThreadTimes, IQueryable<ItemRow> Items, IQueryable<FeedbackRow> Feedback);

    internal static Reads ReadsFor(ChatKitDbContext db, DateTimeOffset from, DateTimeOffset to, string? user)
    {
        var threads = db.Threads.AsNoTracking().Where(t => t.CreatedAt >= from && t.CreatedAt < to);
        var items = db.Items.AsNoTracking().Where(i => i.CreatedAt >= from && i.CreatedAt < to);
        var feedback = db.Feedback.AsNoTracking().Where(f => f.CreatedAt >= from && f.CreatedAt < to);
        if (user is not null)
        {
            threads = threads.Where(t => t.UserId == user);
            items = items.Where(i => i.UserId == user);
            feedback = feedback.Where(f => f.UserId == user);
        }
        return new Reads(
            threads.OrderBy(t => t.Sequence).Select(t => t.CreatedAt).Take(MaxRows + 1),
            items.OrderBy(i => i.Sequence)
                .Select(i => new ItemRow(i.Sequence, i.ThreadId, i.Type, i.CreatedAt, i.Type == ItemTypes.HiddenContext ? i.Json : null))
                .Take(MaxRows + 1),
            feedback.OrderBy(f => f.Sequence).Select(f => new FeedbackRow(f.Kind, f.CreatedAt)).Take(MaxRows + 1));
    }

    /// <summary>The titles and owners of the threads ranked slowest.</summary>
    internal static IQueryable<ThreadName> NamesOf(ChatKitDbContext db, List<string> ids) =>
        db.Threads.AsNoTracking().Where(t => ids.Contains(t.Id)).Select(t => new ThreadName(t.Id, t.Title, t.UserId));

    internal sealed record ThreadName(string Id, string? Title, string UserId);

    public async Task<AdminOverview> GetAsync(AdminOverviewFilter filter, CancellationToken ct)
    {
        var (from, to) = Range(filter);
        var user = string.IsNullOrWhiteSpace(filter.User) ? null : filter.User;
        await using var db = await contexts.CreateDbContextAsync(ct);

        var reads = ReadsFor(db, from, to, user);
        var threadTimes = Bounded(await reads.ThreadTimes.ToListAsync(ct), "threads", from, to);
        var itemRows = Bounded(await reads.Items.ToListAsync(ct), "items", from, to);
        var feedbackRows = Bounded(await reads.Feedback.ToListAsync(ct), "feedback rows", from, to);

        var tokens = new Dictionary<(DateOnly Day, string Model), (long Prompt, long Completion)>();
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in itemRows.Where(r => r.HiddenJson is not null))
        {
            if (JsonNode.Parse(row.HiddenJson!)?["content"] is not JsonObject content) continue;
            var kind = content["kind"] is JsonValue k && k.TryGetValue<string>(out var s) ? s : null;
            if (kind == HiddenRecords.UsageKind)
            {
                var key = (DayOf(row.CreatedAt), (string?)content["model"] ?? "");
                var (prompt, completion) = tokens.GetValueOrDefault(key);
                tokens[key] = (prompt + ((long?)content["prompt_tokens"] ?? 0), completion + ((long?)content["completion_tokens"] ?? 0));
            }
            else if (kind == HiddenRecords.ErrorKind)
            {
                var code = (string?)content["code"] ?? "";
                errors[code] = errors.GetValueOrDefault(code) + 1;
            }
        }

        var threadsPerDay = threadTimes.CountBy(DayOf).ToDictionary();
        var turnsPerDay = itemRows.Where(r => r.Type == ItemTypes.UserMessage).CountBy(r => DayOf(r.CreatedAt)).ToDictionary();
        var positive = feedbackRows.Where(f => f.Kind == "positive").CountBy(f => DayOf(f.CreatedAt)).ToDictionary();
        var negative = feedbackRows.Where(f => f.Kind == "negative").CountBy(f => DayOf(f.CreatedAt)).ToDictionary();
        var days = new List<AdminOverviewDay>();
        // Stops on the last day rather than after it: the day after 9999-12-31 cannot be made.
        var lastDay = DayOf(to.AddTicks(-1));
        for (var day = DayOf(from); ; day = day.AddDays(1))
        {
            days.Add(new AdminOverviewDay(day, threadsPerDay.GetValueOrDefault(day), turnsPerDay.GetValueOrDefault(day),
                positive.GetValueOrDefault(day), negative.GetValueOrDefault(day),
                tokens.Where(t => t.Key.Day == day).OrderBy(t => t.Key.Model, StringComparer.Ordinal)
                    .Select(t => new AdminModelTokens(t.Key.Model, t.Value.Prompt, t.Value.Completion)).ToList()));
            if (day >= lastDay) break;
        }

        var slowest = await SlowestThreadsAsync(db, itemRows, ct);
        return new AdminOverview(from, to, user, days,
            tokens.Keys.Select(k => k.Model).Distinct().Order(StringComparer.Ordinal).ToList(),
            errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => new AdminErrorCount(e.Key, e.Value)).ToList(),
            slowest,
            new AdminOverviewTotals(threadTimes.Count, turnsPerDay.Values.Sum(), tokens.Values.Sum(t => t.Prompt), tokens.Values.Sum(t => t.Completion),
                positive.Values.Sum(), negative.Values.Sum(), errors.Values.Sum()));
    }

    /// <summary>
    /// Turns in the range, per thread: from a user message to the last item before the next one (a turn
    /// with nothing after its message has no time). Items before a thread's first user message in the
    /// range (the end of a turn begun earlier) are left out.
    /// </summary>
    private static async Task<List<AdminSlowThread>> SlowestThreadsAsync(ChatKitDbContext db, List<ItemRow> itemRows, CancellationToken ct)
    {
        var perThread = new List<(string ThreadId, int Turns, TimeSpan Slowest, TimeSpan Mean, DateTimeOffset SlowestAt)>();
        foreach (var thread in itemRows.GroupBy(r => r.ThreadId))
        {
            var turns = new List<(DateTimeOffset Start, TimeSpan Took)>();
            DateTimeOffset? start = null, last = null;
            foreach (var row in thread.OrderBy(r => r.CreatedAt).ThenBy(r => r.Sequence))
            {
                if (row.Type == ItemTypes.UserMessage)
                {
                    if (start is { } s && last is { } l) turns.Add((s, l - s));
                    (start, last) = (row.CreatedAt, null);
                }
                else if (start is not null)
                {
                    last = row.CreatedAt;
                }
            }
            if (start is { } s2 && last is { } l2) turns.Add((s2, l2 - s2));
            if (turns.Count == 0) continue;
            var slowest = turns.MaxBy(t => t.Took);
            perThread.Add((thread.Key, turns.Count, slowest.Took, TimeSpan.FromTicks((long)turns.Average(t => t.Took.Ticks)), slowest.Start));
        }
        var top = perThread.OrderByDescending(t => t.Slowest).ThenBy(t => t.ThreadId, StringComparer.Ordinal).Take(SlowestCount).ToList();
        var ids = top.Select(t => t.ThreadId).ToList();
        var names = await NamesOf(db, ids).ToDictionaryAsync(t => t.Id, ct);
        return top.Where(t => names.ContainsKey(t.ThreadId))
            .Select(t => new AdminSlowThread(t.ThreadId, names[t.ThreadId].Title, names[t.ThreadId].UserId, t.Turns,
                Math.Round(t.Slowest.TotalSeconds, 3), Math.Round(t.Mean.TotalSeconds, 3), t.SlowestAt))
            .ToList();
    }

    /// <summary>The range: whole UTC days by default (the last <see cref="DefaultDays"/>), at most <see cref="MaxDays"/>.</summary>
    private (DateTimeOffset From, DateTimeOffset To) Range(AdminOverviewFilter filter)
    {
        var to = (filter.To ?? new DateTimeOffset(DayOf(time.GetUtcNow()).AddDays(1), TimeOnly.MinValue, TimeSpan.Zero)).ToUniversalTime();
        // A 'to' in the first days of year 1 has no 30 days before it: the range then starts at the earliest time there is.
        var from = (filter.From ?? (to - DateTimeOffset.MinValue > TimeSpan.FromDays(DefaultDays) ? to.AddDays(-DefaultDays) : DateTimeOffset.MinValue)).ToUniversalTime();
        if (to <= from)
            throw new ChatKitValidationException($"'to' ({to:O}) must be after 'from' ({from:O}).");
        if (to - from > TimeSpan.FromDays(MaxDays))
            throw new ChatKitValidationException($"The overview covers at most {MaxDays} days; {from:yyyy-MM-dd} to {to:yyyy-MM-dd} is {(to - from).TotalDays:0.#}.");
        return (from, to);
    }

    private static List<T> Bounded<T>(List<T> rows, string what, DateTimeOffset from, DateTimeOffset to) => rows.Count <= MaxRows
        ? rows
        : throw new ChatKitValidationException(
            $"The overview reads at most {MaxRows} {what}, and {from:yyyy-MM-dd} to {to:yyyy-MM-dd} holds more: narrow the dates or pick a user.");

    private static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);
}
