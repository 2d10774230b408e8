using System.Diagnostics;
using System.Net.Sockets;
using ChatKit.EntityFrameworkCore;
using Polly;
using Polly.Retry;

namespace ChatKitServer.Hosting;

/// <summary>
/// The start's wait for a database that is not reachable yet (<c>Database:StartupWaitSeconds</c>, docs/decisions/0023): in
/// compose or Kubernetes the server often starts before its database. The start's migrations are tried again while they
/// fail with an error the provider's retry strategy calls transient (<see cref="IChatKitTransientErrors"/>: a refused connection,
/// "the database system is starting up"), backing off from 0.5 s to 5 s, each wait logged at Warning; the per-operation
/// retries (<see cref="ChatKitRetryBudget"/>) stand aside meanwhile, so the wait ends when its own time is spent. Any other error (a
/// wrong password, a failed migration) ends the start at once, logged with its stack trace; so does a transient one once the
/// time is spent. Both end as a <see cref="DatabaseStartException"/> whose message says which it was (naming the setting).
/// </summary>
internal static class DatabaseStartupWait
{
    /// <summary>The first pause between two attempts; each next one is twice as long, up to <see cref="LongestPause"/>.</summary>
    public static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest pause between two attempts.</summary>
    public static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="prepare"/> until it succeeds, fails with an error that is not transient, or <paramref name="wait"/> is spent.</summary>
    /// <exception cref="DatabaseStartException">The database was still unreachable when <paramref name="wait"/> was spent, or failed with an error waiting does not fix.</exception>
    public static async Task RunAsync(Func<CancellationToken, Task> prepare, TimeSpan wait, Func<Exception, bool> isTransient, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var attempts = 0;
        var pipeline = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } failure && Transient(failure, isTransient) is not null && clock.Elapsed < wait),
            MaxRetryAttempts = int.MaxValue,
            // Doubling from FirstPause up to LongestPause, the last one cut to the time left (a last attempt at the end of the wait).
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Min(Pause(args.AttemptNumber), wait - clock.Elapsed)),
            OnRetry = args =>
            {
                logger.LogWarning("The database is not reachable yet (attempt {Attempt}, {ElapsedSeconds:0.0} s of Database:StartupWaitSeconds={StartupWaitSeconds} s): {Failure}; trying again in {PauseSeconds:0.0} s",
                    args.AttemptNumber + 1, clock.Elapsed.TotalSeconds, wait.TotalSeconds, Describe(args.Outcome.Exception!, isTransient), args.RetryDelay.TotalSeconds);
                return default;
            },
        }).Build();

        // With no wait, the per-operation retries keep the start as it was (retrying within Database:MaxRetryTimeSeconds).
        using var ownRetries = wait > TimeSpan.Zero ? ChatKitRetryBudget.Suspend() : null;
        try
        {
            await pipeline.ExecuteAsync(async ct =>
            {
                attempts++;
                await prepare(ct);
            }, cancellationToken);
        }
        catch (Exception failure) when (Transient(failure, isTransient) is not null)
        {
            var waited = wait > TimeSpan.Zero
                ? $"within Database:StartupWaitSeconds ({wait.TotalSeconds:0.#} s, {attempts} attempts)"
                : "and Database:StartupWaitSeconds is 0 (no wait)";
            throw new DatabaseStartException(
                $"The database was not reachable {waited}: {Describe(failure, isTransient)}. Check ConnectionStrings:ChatKit and that the database is up, or wait longer with Database:StartupWaitSeconds.",
                failure);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            const string notWaited = "The database refused the start with an error that waiting does not fix (Database:StartupWaitSeconds waits only for a database that is not reachable yet)";
            var described = Describe(failure, isTransient);
            logger.LogError(failure, notWaited + ": {Failure}", described);
            throw new DatabaseStartException($"{notWaited}: {described}", failure);
        }
        if (attempts > 1)
            logger.LogInformation("The database answered at attempt {Attempt}, after {ElapsedSeconds:0.0} s", attempts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The pause after the failed attempt <paramref name="retry"/> (0 for the first).</summary>
    public static TimeSpan Pause(int retry) => retry >= 4 ? LongestPause : Min(FirstPause * Math.Pow(2, retry), LongestPause);

    /// <summary>The shorter of the two, never below zero.</summary>
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : (b < TimeSpan.Zero ? TimeSpan.Zero : b);

    /// <summary>
    /// The transient error in <paramref name="failure"/> or what it wraps (EF wraps it in a <c>RetryLimitExceededException</c>, or an
    /// <c>InvalidOperationException</c> when the strategy does not retry); a socket error or a timeout counts too; null when none is.
    /// </summary>
    private static Exception? Transient(Exception failure, Func<Exception, bool> isTransient)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException) return null;
            if (isTransient(e) || e is SocketException or TimeoutException) return e;
        }
        return null;
    }

    /// <summary>One line: the transient error (or the failure) and what caused it, e.g. "NpgsqlException: Failed to connect to 127.0.0.1:5432 ← SocketException: Connection refused".</summary>
    private static string Describe(Exception failure, Func<Exception, bool> isTransient)
    {
        var parts = new List<string>();
        for (Exception? e = Transient(failure, isTransient) ?? failure; e is not null && parts.Count < 3; e = e.InnerException)
            parts.Add($"{e.GetType().Name}: {e.Message}");
        return string.Join(" ← ", parts).ReplaceLineEndings(" ");
    }
}

/// <summary>
/// The start could not prepare the database: it was still not reachable when the start's wait (<c>Database:StartupWaitSeconds</c>)
/// was spent, or it failed with an error that waiting does not fix (a wrong password, a failed migration: the inner exception).
/// The message says which, in one line, and names the setting.
/// </summary>
public sealed class DatabaseStartException(string message, Exception inner) : Exception(message, inner);
