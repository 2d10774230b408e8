using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// SQL Server's retry-on-failure strategy (EF's transient errors) within a <see cref="ChatKitRetryBudget"/>: an operation stops
/// retrying before <c>maxRetryTime</c> has passed, whatever the count allows. Set it with
/// <see cref="ChatKitSqlServerRetryExtensions.EnableRetryOnFailureWithin"/>.
/// </summary>
public sealed class ChatKitSqlServerRetries(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay, TimeSpan maxRetryTime)
    : SqlServerRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay, errorNumbersToAdd: null), IChatKitTransientErrors
{
    private readonly ChatKitRetryBudget _budget = new(maxRetryTime);

    /// <summary>
    /// EF's transient SQL Server errors, and a server that is not listening yet, which EF's list leaves out (it is not retried
    /// per operation): 2 and 53 (no server found or reachable) and 10061 (connection refused).
    /// </summary>
    public bool IsTransient(Exception exception) =>
        ShouldRetryOn(exception) || exception is Microsoft.Data.SqlClient.SqlException { Number: 2 or 53 or 10061 };

    /// <inheritdoc />
    protected override void OnFirstExecution()
    {
        base.OnFirstExecution();
        _budget.Start();
    }

    /// <inheritdoc />
    protected override TimeSpan? GetNextDelay(Exception lastException) => _budget.Allow(base.GetNextDelay(lastException));
}

/// <summary>The store's time-bounded retries on SQL Server.</summary>
public static class ChatKitSqlServerRetryExtensions
{
    /// <summary>
    /// Retries operations that fail with a transient error, as <c>EnableRetryOnFailure</c> does, but never past
    /// <paramref name="maxRetryTime"/> from an operation's first attempt (<see cref="ChatKitSqlServerRetries"/>):
    /// <code>store.UseSqlServer(connectionString, sql => sql.EnableRetryOnFailureWithin(TimeSpan.FromSeconds(10)));</code>
    /// </summary>
    /// <param name="sql">The options of <see cref="ChatKitSqlServerExtensions.UseSqlServer"/>.</param>
    /// <param name="maxRetryTime">The longest an operation keeps retrying (positive).</param>
    /// <param name="maxRetryCount">At most this many retries (<see cref="ChatKitDatabaseProvider.DefaultMaxRetryCount"/> by default).</param>
    /// <param name="maxRetryDelay">The longest back-off between two attempts (<see cref="ChatKitDatabaseProvider.DefaultMaxRetryDelay"/> by default).</param>
    public static SqlServerDbContextOptionsBuilder EnableRetryOnFailureWithin(this SqlServerDbContextOptionsBuilder sql, TimeSpan maxRetryTime,
        int maxRetryCount = ChatKitDatabaseProvider.DefaultMaxRetryCount, TimeSpan? maxRetryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxRetryTime, TimeSpan.Zero);
        var delay = maxRetryDelay ?? ChatKitDatabaseProvider.DefaultMaxRetryDelay;
        return sql.ExecutionStrategy(d => new ChatKitSqlServerRetries(d, maxRetryCount, delay, maxRetryTime));
    }
}
