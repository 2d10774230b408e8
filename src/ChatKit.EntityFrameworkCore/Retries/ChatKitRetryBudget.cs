using System.Diagnostics;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// How long one database operation may keep retrying: no retry is started that would, after its back-off and an attempt as
/// long as the longest one so far, end past the budget. EF's own retry-on-failure strategies count retries only (6 retries
/// backing off up to 30 s: over a minute), so a request whose database stays down waits past any sensible deadline; within a
/// budget it fails first, and the host can answer 503 with <c>Retry-After</c>. Used by the time-bounded strategies
/// (<c>EnableRetryOnFailureWithin</c> of the PostgreSQL and SQL Server packages); one instance per strategy, as EF uses a
/// strategy for one operation at a time and calls <see cref="Start"/> for each.
/// </summary>
public sealed class ChatKitRetryBudget(TimeSpan budget)
{
    private static readonly AsyncLocal<bool> Suspended = new();

    private long _started;
    private long _attemptStarted;
    private TimeSpan _longestAttempt;

    /// <summary>The longest an operation keeps retrying, from its first attempt.</summary>
    public TimeSpan Budget { get; } = budget > TimeSpan.Zero ? budget : throw new ArgumentOutOfRangeException(nameof(budget), budget, "The retry budget must be positive.");

    /// <summary>The first attempt of an operation starts now.</summary>
    public void Start()
    {
        _started = _attemptStarted = Stopwatch.GetTimestamp();
        _longestAttempt = TimeSpan.Zero;
    }

    /// <summary>
    /// No operation of the calling flow (an async-local flag) retries on its own until the result is disposed: for a caller
    /// that tries a whole sequence again with its own back-off and log, such as a wait at start for a database that is not up
    /// yet, so that the wait ends when its own time is spent.
    /// </summary>
    public static IDisposable Suspend()
    {
        Suspended.Value = true;
        return new Resume();
    }

    private sealed class Resume : IDisposable
    {
        public void Dispose() => Suspended.Value = false;
    }

    /// <summary>The delay before the next attempt when it fits in the budget; null (no more retries) when it does not.</summary>
    public TimeSpan? Allow(TimeSpan? delay)
    {
        if (Suspended.Value) return null;
        var now = Stopwatch.GetTimestamp();
        var attempt = Stopwatch.GetElapsedTime(_attemptStarted, now);
        if (attempt > _longestAttempt) _longestAttempt = attempt;
        if (delay is not { } wait || Stopwatch.GetElapsedTime(_started, now) + wait + _longestAttempt > Budget) return null;
        _attemptStarted = now + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        return wait;
    }
}
