using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace ChatKitServer.Hosting;

/// <summary>
/// How long one database operation may keep retrying (<c>Database:MaxRetryTimeSeconds</c>): no retry is started that
/// would, after its back-off and an attempt as long as the longest one so far, end past the budget. EF's own strategy
/// counts retries only (6 retries backing off up to 30 s: over a minute), so a request whose database stayed down
/// reached its deadline (408) or, for a stream, sent its headers before it failed; within the budget it fails first,
/// as a 503 with <c>Retry-After</c> (see <c>ChatKitExceptionHandler.IsDatabaseFailure</c>).
/// One instance per strategy; EF uses a strategy for one operation at a time and calls <see cref="Start"/> for each.
/// </summary>
internal sealed class RetryBudget(TimeSpan budget)
{
    private static readonly AsyncLocal<bool> Suspended = new();

    private long _started;
    private long _attemptStarted;
    private TimeSpan _longestAttempt;

    /// <summary>The first attempt of an operation starts now.</summary>
    public void Start()
    {
        _started = _attemptStarted = Stopwatch.GetTimestamp();
        _longestAttempt = TimeSpan.Zero;
    }

    /// <summary>
    /// No operation of the calling flow retries on its own until the result is disposed: the start's wait for the database
    /// (<see cref="DatabaseStartupWait"/>) tries the whole migration again instead, with its own back-off and log, and ends
    /// when its own time, not this budget's, is spent.
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
        if (delay is not { } wait || Stopwatch.GetElapsedTime(_started, now) + wait + _longestAttempt > budget) return null;
        _attemptStarted = now + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        return wait;
    }
}

/// <summary>A retry strategy's own notion of a transient error, for the start's wait (<see cref="DatabaseStartupWait"/>).</summary>
internal interface ITransientFailures
{
    /// <summary>Whether <paramref name="exception"/> is one the strategy would retry (<c>ShouldRetryOn</c>).</summary>
    bool IsTransient(Exception exception);
}

/// <summary>Npgsql's retry-on-failure strategy (its transient errors) within a <see cref="RetryBudget"/>.</summary>
internal sealed class BudgetedNpgsqlRetries(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay, TimeSpan budget)
    : NpgsqlRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay, errorCodesToAdd: null), ITransientFailures
{
    private readonly RetryBudget _budget = new(budget);

    /// <summary>Npgsql's transient errors: <see cref="Npgsql.NpgsqlException.IsTransient"/> (a refused or dropped connection, 57P03
    /// "the database system is starting up", too many connections, ...) and timeouts.</summary>
    public bool IsTransient(Exception exception) => ShouldRetryOn(exception);

    protected override void OnFirstExecution()
    {
        base.OnFirstExecution();
        _budget.Start();
    }

    protected override TimeSpan? GetNextDelay(Exception lastException) => _budget.Allow(base.GetNextDelay(lastException));
}

/// <summary>SQL Server's retry-on-failure strategy (its transient errors) within a <see cref="RetryBudget"/>.</summary>
internal sealed class BudgetedSqlServerRetries(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay, TimeSpan budget)
    : SqlServerRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay, errorNumbersToAdd: null), ITransientFailures
{
    private readonly RetryBudget _budget = new(budget);

    /// <summary>
    /// EF's transient SQL Server errors, and a server that is not listening yet, which EF's list leaves out (it is not retried
    /// per operation): 2 and 53 (no server found or reachable) and 10061 (connection refused). Not run here (no SQL Server).
    /// </summary>
    public bool IsTransient(Exception exception) =>
        ShouldRetryOn(exception) || exception is Microsoft.Data.SqlClient.SqlException { Number: 2 or 53 or 10061 };

    protected override void OnFirstExecution()
    {
        base.OnFirstExecution();
        _budget.Start();
    }

    protected override TimeSpan? GetNextDelay(Exception lastException) => _budget.Allow(base.GetNextDelay(lastException));
}
