using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// The turn lock of several processes on one SQLite file: a byte of <c>&lt;database&gt;-turnlock</c> per thread, held with
/// the system's byte-range locks. Another process is played by python3's <c>fcntl.lockf</c>, which takes the same POSIX
/// record locks (Linux only; skipped with the reason elsewhere or without python3).
/// </summary>
[UnsupportedOSPlatform("macos")]
public sealed class SqliteFileTurnLockTests
{
    private string _folder = null!;
    private string _database = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-turnlock", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_folder);
        _database = Path.Combine(_folder, "chatkit.db");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private SqliteFileTurnLock NewLock() => new(_database, NullLogger<SqliteFileTurnLock>.Instance);

    [Test]
    public async Task Two_stores_of_one_process_on_one_file_keep_a_thread_apart_and_let_other_threads_run()
    {
        using var first = NewLock();
        using var second = NewLock();
        var held = await first.AcquireAsync("thr_a", CancellationToken.None);
        var waiting = second.AcquireAsync("thr_a", CancellationToken.None);
        await using (await second.AcquireAsync("thr_b", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            await Task.Delay(100);
            waiting.IsCompleted.Should().BeFalse("thr_a is held by the other store");
        }
        await held.DisposeAsync();
        await (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).DisposeAsync();
        File.Exists(first.Path).Should().BeTrue();
        first.Path.Should().Be(_database + "-turnlock");
    }

    [Test]
    public async Task A_thread_another_process_holds_waits_until_that_process_is_killed()
    {
        using var turnLock = NewLock();
        await (await turnLock.AcquireAsync("thr_other", CancellationToken.None)).DisposeAsync(); // creates the lock file
        using var other = Python($"""
            import fcntl, sys, time
            f = open(sys.argv[1], "r+b")
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, {SqliteFileTurnLock.Offset("thr_x")}, 0)
            print("held", flush=True)
            time.sleep(60)
            """, turnLock.Path, redirectOutput: true);
        (await other.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).Should().Be("held");

        var waiting = turnLock.AcquireAsync("thr_x", CancellationToken.None);
        await using (await turnLock.AcquireAsync("thr_y", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            await Task.Delay(300);
            waiting.IsCompleted.Should().BeFalse("the other process holds thr_x's byte");
        }

        other.Kill();
        await (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();
    }

    [Test]
    public async Task A_thread_this_process_holds_is_refused_to_another_process_until_released()
    {
        using var turnLock = NewLock();
        var held = await turnLock.AcquireAsync("thr_x", CancellationToken.None);
        var script = $"""
            import fcntl, sys
            f = open(sys.argv[1], "r+b")
            try:
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, {SqliteFileTurnLock.Offset("thr_x")}, 0)
            except OSError:
                sys.exit(3)
            """;
        (await ExitCodeAsync(script, turnLock.Path)).Should().Be(3, "this process holds thr_x");
        await held.DisposeAsync();
        (await ExitCodeAsync(script, turnLock.Path)).Should().Be(0, "the turn let thr_x go");
    }

    [Test]
    public async Task A_cancelled_wait_gives_up_and_leaves_the_thread_to_the_next_turn()
    {
        using var first = NewLock();
        using var second = NewLock();
        var held = await first.AcquireAsync("thr_a", CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var cancelled = () => second.AcquireAsync("thr_a", cancel.Token);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        await held.DisposeAsync();
        await (await second.AcquireAsync("thr_a", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).DisposeAsync();
    }

    [Test]
    public async Task A_process_that_reaches_the_database_through_a_symbolic_link_uses_the_same_lock_file()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Makes symbolic links, which Windows allows only to some users: Linux only.");
        var linkedFolder = Path.Combine(_folder, "linked");
        Directory.CreateSymbolicLink(linkedFolder, _folder);
        await File.WriteAllTextAsync(_database, "");
        File.CreateSymbolicLink(Path.Combine(_folder, "alias.db"), _database);
        using var direct = NewLock();
        using var throughFolder = new SqliteFileTurnLock(Path.Combine(linkedFolder, "chatkit.db"), NullLogger<SqliteFileTurnLock>.Instance);
        using var throughFile = new SqliteFileTurnLock(Path.Combine(_folder, "alias.db"), NullLogger<SqliteFileTurnLock>.Instance);
        throughFolder.Path.Should().Be(direct.Path);
        throughFile.Path.Should().Be(direct.Path);
        var held = await direct.AcquireAsync("thr_a", CancellationToken.None);
        var waiting = throughFolder.AcquireAsync("thr_a", CancellationToken.None);
        await Task.Delay(100);
        waiting.IsCompleted.Should().BeFalse();
        await held.DisposeAsync();
        await (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).DisposeAsync();
    }

    [Test]
    public void Offsets_are_the_same_in_every_process_and_differ_between_threads()
    {
        SqliteFileTurnLock.Offset("thr_1").Should().Be(SqliteFileTurnLock.Offset("thr_1"));
        SqliteFileTurnLock.Offset("thr_1").Should().NotBe(SqliteFileTurnLock.Offset("thr_2"));
        Enumerable.Range(0, 1000).Select(i => SqliteFileTurnLock.Offset($"thr_{i}")).Should().OnlyContain(o => o >= 0 && o < long.MaxValue / 2);
    }

    private static async Task<int> ExitCodeAsync(string script, string path)
    {
        using var process = Python(script, path, redirectOutput: false);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return process.ExitCode;
    }

    private static Process Python(string script, string path, bool redirectOutput)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Plays the other process with python3's fcntl.lockf: Linux only.");
        try
        {
            return Process.Start(new ProcessStartInfo("python3", ["-c", script, path]) { RedirectStandardOutput = redirectOutput })!;
        }
        catch (Win32Exception ex)
        {
            Assert.Ignore($"Plays the other process with python3, which is not installed here: {ex.Message}");
            throw; // not reached
        }
    }
}
