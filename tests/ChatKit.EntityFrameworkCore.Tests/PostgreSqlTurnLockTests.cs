using ChatKit.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The PostgreSQL turn lock between two lock instances (two server instances) on one real database.</summary>
public sealed class PostgreSqlTurnLockTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private PostgreSqlServer _server = null!;
    private string _database = null!;
    private PostgreSqlTurnLock _first = null!;
    private PostgreSqlTurnLock _second = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await PostgreSqlServer.SharedAsync();
        _database = await _server.CreateDatabaseAsync();
        _first = new PostgreSqlTurnLock(_database, NullLogger<PostgreSqlTurnLock>.Instance);
        _second = new PostgreSqlTurnLock(_database, NullLogger<PostgreSqlTurnLock>.Instance);
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_first is null) return;
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _server.DropDatabaseAsync(_database);
    }

    [Test]
    public async Task A_thread_held_by_one_instance_waits_in_the_other_until_released_and_other_threads_do_not_wait()
    {
        var held = await _first.AcquireAsync("thr_a", CancellationToken.None);

        var waiting = _second.AcquireAsync("thr_a", CancellationToken.None);
        await using (await _second.AcquireAsync("thr_b", CancellationToken.None).WaitAsync(Patience)) { }
        await Task.Delay(300);
        waiting.IsCompleted.Should().BeFalse("the first instance still holds thr_a");

        await held.DisposeAsync();
        await (await waiting.WaitAsync(Patience)).DisposeAsync();
        await (await _first.AcquireAsync("thr_a", CancellationToken.None).WaitAsync(Patience)).DisposeAsync();
    }

    [Test]
    public async Task A_holder_whose_connection_dies_releases_the_lock()
    {
        var held = await _first.AcquireAsync("thr_a", CancellationToken.None);
        var waiting = _second.AcquireAsync("thr_a", CancellationToken.None);
        await Task.Delay(300);
        waiting.IsCompleted.Should().BeFalse();

        // The holder's session ends as a crashed process's would: the server closes it.
        var holders = await HoldersAsync("thr_a");
        holders.Should().ContainSingle();
        await _server.ExecuteAsync($"SELECT pg_terminate_backend({holders[0]})");

        await (await waiting.WaitAsync(Patience)).DisposeAsync();
        var release = async () => await held.DisposeAsync();
        await release.Should().NotThrowAsync("letting go of a lock whose connection is gone is not an error");
        (await HoldersAsync("thr_a")).Should().BeEmpty();
    }

    [Test]
    public async Task A_wait_that_is_cancelled_gives_up_and_leaves_nothing_held()
    {
        var held = await _first.AcquireAsync("thr_a", CancellationToken.None);
        using var give = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var cancelled = () => _second.AcquireAsync("thr_a", give.Token);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        await held.DisposeAsync();

        (await HoldersAsync("thr_a")).Should().BeEmpty();
        await (await _first.AcquireAsync("thr_a", CancellationToken.None).WaitAsync(Patience)).DisposeAsync();
    }

    [Test]
    public async Task Many_turns_held_at_once_share_one_session()
    {
        var held = new List<IAsyncDisposable>();
        for (var i = 0; i < 300; i++) held.Add(await _first.AcquireAsync($"thr_{i}", CancellationToken.None).WaitAsync(Patience));

        (await LockSessionsAsync()).Should().Be(1, "holding a lock costs no connection: 300 turns in flight, one session (a lock per connection ran out of connections)");
        var other = _second.AcquireAsync("thr_7", CancellationToken.None);
        await Task.Delay(300);
        other.IsCompleted.Should().BeFalse("every one of the 300 is still held");

        foreach (var lease in held) await lease.DisposeAsync();
        await (await other.WaitAsync(Patience)).DisposeAsync();
    }

    [Test]
    public async Task A_session_replaced_under_running_turns_takes_their_locks_again()
    {
        var held = await _first.AcquireAsync("thr_a", CancellationToken.None);
        var session = (await HoldersAsync("thr_a")).Single();
        // With a timeout, pg_terminate_backend returns once the session is gone (without, it only signals it, and the
        // instance's next command could still run on the dying session).
        await _server.ExecuteAsync($"SELECT pg_terminate_backend({session}, 10000)");

        // The instance's next command finds its session gone, opens another and takes thr_a again for the running turn.
        await (await _first.AcquireAsync("thr_b", CancellationToken.None).WaitAsync(Patience)).DisposeAsync();

        (await HoldersAsync("thr_a")).Should().ContainSingle().Which.Should().NotBe(session);
        await HeldAgainstTheOtherInstanceUntilReleasedAsync(held);
    }

    /// <summary>
    /// Found by a multi-instance audit (2026-12): a session that broke while one turn ran (a terminated backend, a server
    /// restart) went unnoticed until that turn's own release, so another instance took the thread and answered in it
    /// meanwhile. The session is now checked while locks are held, and replaced with the locks taken again, with no
    /// other command needed.
    /// </summary>
    [Test]
    public async Task A_session_broken_while_a_lone_turn_runs_is_replaced_and_its_lock_taken_again_without_another_command()
    {
        await using var probing = new PostgreSqlTurnLock(_database, NullLogger<PostgreSqlTurnLock>.Instance, probeInterval: TimeSpan.FromMilliseconds(200));
        var held = await probing.AcquireAsync("thr_a", CancellationToken.None);
        var session = (await HoldersAsync("thr_a")).Single();

        await _server.ExecuteAsync($"SELECT pg_terminate_backend({session}, 10000)");

        var deadline = DateTime.UtcNow + Patience;
        while ((await HoldersAsync("thr_a")) is not [var again] || again == session)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the running turn's lock is taken again by a new session");
            await Task.Delay(50);
        }
        await HeldAgainstTheOtherInstanceUntilReleasedAsync(held);
    }

    [Test]
    public async Task A_turn_whose_lock_another_instance_took_while_its_session_was_replaced_is_logged_when_it_ends()
    {
        var log = new WarningLog();
        await using var first = new PostgreSqlTurnLock(_database, log, probeInterval: TimeSpan.FromHours(1));
        var held = await first.AcquireAsync("thr_a", CancellationToken.None);
        await _server.ExecuteAsync($"SELECT pg_terminate_backend({(await HoldersAsync("thr_a")).Single()}, 10000)");
        var taken = await _second.AcquireAsync("thr_a", CancellationToken.None).WaitAsync(Patience); // in the gap, before any check

        await held.DisposeAsync();

        log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("taken by another instance"), "the new session could not take it again");
        log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("thr_a") && e.Message.Contains("ended without holding its lock"));
        (await HoldersAsync("thr_a")).Should().ContainSingle("the other instance's lock was not released by this one");
        await taken.DisposeAsync();
    }

    /// <summary>The second instance waits for thr_a while <paramref name="held"/> holds it, and gets it once it is released.</summary>
    private async Task HeldAgainstTheOtherInstanceUntilReleasedAsync(IAsyncDisposable held)
    {
        var other = _second.AcquireAsync("thr_a", CancellationToken.None);
        await Task.Delay(300);
        other.IsCompleted.Should().BeFalse("the running turn holds thr_a again");
        await held.DisposeAsync();
        await (await other.WaitAsync(Patience)).DisposeAsync();
    }

    private sealed class WarningLog : ILogger<PostgreSqlTurnLock>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
        }
    }

    /// <summary>How many sessions the lock instances have open on the database.</summary>
    private async Task<long> LockSessionsAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = DatabaseTurnLock.ApplicationName });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The server process ids of the sessions holding <paramref name="threadId"/>'s advisory lock.</summary>
    private async Task<List<int>> HoldersAsync(string threadId)
    {
        var key = PostgreSqlTurnLock.KeyOf(threadId);
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        // A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
        await using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::bigint::oid AND objid = $2::bigint::oid", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (long)(uint)(key >> 32) });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)(uint)key });
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) pids.Add(reader.GetInt32(0));
        return pids;
    }
}
