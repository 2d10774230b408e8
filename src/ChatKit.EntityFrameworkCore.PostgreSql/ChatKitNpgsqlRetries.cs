using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Npgsql's retry-on-failure strategy (its transient errors) within a <see cref="ChatKitRetryBudget"/>: an operation stops
/// retrying before <c>maxRetryTime</c> has passed, whatever the count allows. Set it with
/// <see cref="ChatKitNpgsqlRetryExtensions.EnableRetryOnFailureWithin"/>.
/// </summary>
public sealed class ChatKitNpgsqlRetries(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay, TimeSpan maxRetryTime)
    : NpgsqlRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay, errorCodesToAdd: null), IChatKitTransientErrors
{
    private readonly ChatKitRetryBudget _budget = new(maxRetryTime);

    /// <summary>Npgsql's transient errors: <see cref="Npgsql.NpgsqlException.IsTransient"/> (a refused or dropped connection, 57P03
    /// "the database system is starting up", too many connections, ...) and timeouts.</summary>
    public bool IsTransient(Exception exception) => ShouldRetryOn(exception);

    /// <inheritdoc />
    protected override void OnFirstExecution()
    {
        base.OnFirstExecution();
        _budget.Start();
    }

    /// <inheritdoc />
    protected override TimeSpan? GetNextDelay(Exception lastException) => _budget.Allow(base.GetNextDelay(lastException));
}

/// <summary>The store's time-bounded retries on PostgreSQL.</summary>
public static class ChatKitNpgsqlRetryExtensions
{
    /// <summary>
    /// Retries operations that fail with a transient error, as <c>EnableRetryOnFailure</c> does, but never past
    /// <paramref name="maxRetryTime"/> from an operation's first attempt (<see cref="ChatKitNpgsqlRetries"/>), so that a request
    /// whose database stays down fails before the request's own deadline:
    /// <code>store.UsePostgreSql(connectionString, npgsql => npgsql.EnableRetryOnFailureWithin(TimeSpan.FromSeconds(10)));</code>
    /// </summary>
    /// <param name="npgsql">The options of <see cref="ChatKitPostgreSqlExtensions.UsePostgreSql"/>.</param>
    /// <param name="maxRetryTime">The longest an operation keeps retrying (positive).</param>
    /// <param name="maxRetryCount">At most this many retries (<see cref="ChatKitDatabaseProvider.DefaultMaxRetryCount"/> by default).</param>
    /// <param name="maxRetryDelay">The longest back-off between two attempts (<see cref="ChatKitDatabaseProvider.DefaultMaxRetryDelay"/> by default).</param>
    public static NpgsqlDbContextOptionsBuilder EnableRetryOnFailureWithin(this NpgsqlDbContextOptionsBuilder npgsql, TimeSpan maxRetryTime,
        int maxRetryCount = ChatKitDatabaseProvider.DefaultMaxRetryCount, TimeSpan? maxRetryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(npgsql);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxRetryTime, TimeSpan.Zero);
        var delay = maxRetryDelay ?? ChatKitDatabaseProvider.DefaultMaxRetryDelay;
        return npgsql.ExecutionStrategy(d => new ChatKitNpgsqlRetries(d, maxRetryCount, delay, maxRetryTime));
    }
}
