using System.Text.Json.Serialization;

namespace ChatKitServer.Admin;

// The overview's figures, as GET /admin/api/overview answers them and the overview page draws them.
// Names are snake_case like the rest of the admin API (single words need no attribute).

/// <summary>Which part of the history the overview covers: <c>[From, To)</c>, optionally one user's.</summary>
public sealed record AdminOverviewFilter(DateTimeOffset? From = null, DateTimeOffset? To = null, string? User = null);

/// <summary>
/// Activity over a range of whole UTC days: per day, threads started, turns (user messages), feedback and
/// tokens by model; errors by code; the threads with the slowest turns; totals.
/// </summary>
public sealed record AdminOverview(
    DateTimeOffset From,
    DateTimeOffset To,
    string? User,
    IReadOnlyList<AdminOverviewDay> Days,
    IReadOnlyList<string> Models,
    IReadOnlyList<AdminErrorCount> Errors,
    [property: JsonPropertyName("slowest_threads")] IReadOnlyList<AdminSlowThread> SlowestThreads,
    AdminOverviewTotals Totals);

/// <summary>One UTC day: threads created, turns (user messages), feedback given and tokens used by each model.</summary>
public sealed record AdminOverviewDay(DateOnly Day, int Threads, int Turns, int Positive, int Negative, IReadOnlyList<AdminModelTokens> Tokens);

/// <summary>Tokens one model used (answers whose usage was recorded that day).</summary>
public sealed record AdminModelTokens(
    string Model,
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens);

/// <summary>Turns that ended with an error of this code (<c>stream.error</c>, <c>custom</c>…).</summary>
public sealed record AdminErrorCount(string Code, int Count);

/// <summary>
/// A thread ranked by its slowest turn. A turn's time runs from the user message's <c>created_at</c> to the
/// <c>created_at</c> of the last item saved before the next user message (the answer, its tool calls, its
/// usage record, an error record).
/// </summary>
public sealed record AdminSlowThread(
    string Id,
    string? Title,
    [property: JsonPropertyName("user_id")] string UserId,
    int Turns,
    [property: JsonPropertyName("slowest_turn_seconds")] double SlowestTurnSeconds,
    [property: JsonPropertyName("mean_turn_seconds")] double MeanTurnSeconds,
    [property: JsonPropertyName("slowest_turn_at")] DateTimeOffset SlowestTurnAt);

/// <summary>The sums over the range.</summary>
public sealed record AdminOverviewTotals(
    int Threads,
    int Turns,
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    int Positive,
    int Negative,
    int Errors);
