using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// WAL checkpoints of a SQLite file run beside the writer (<see cref="SqliteWalCheckpointer"/>), not inside a commit: the
/// store's connections checkpoint by themselves only past <see cref="SqliteWalCheckpointer.SafetyNetPages"/> pages, and the
/// write gate's commits start a background checkpoint every <see cref="SqliteWalCheckpointer.WritesPerCheckpoint"/> writes.
/// </summary>
public sealed class SqliteWalCheckpointTests
{
    private static readonly ChatKitContext Alice = new() { UserId = "alice" };
    private string _folder = null!;
    private string _file = null!;
    private ServiceProvider _services = null!;
    private readonly List<(double Seconds, object? Error)> _checkpoints = [];
    private MeterListener _listener = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        _file = Path.Combine(_folder, "chatkit.db");
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={_file}"))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
        lock (_checkpoints) _checkpoints.Clear(); // one fixture instance runs every test
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ChatKitTelemetry.Name && instrument.Name == "chatkit.store.checkpoint.duration") l.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var error = tags.ToArray().Single(t => t.Key == ChatKitTelemetry.ErrorTag).Value;
            lock (_checkpoints) _checkpoints.Add((value, error));
        });
        _listener.Start();
    }

    [TearDown]
    public async Task TearDown()
    {
        _listener.Dispose();
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task The_store_connections_leave_checkpoints_to_the_background_until_the_wal_is_large()
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA wal_autocheckpoint;";
        (await command.ExecuteScalarAsync()).Should().Be((long)SqliteWalCheckpointer.SafetyNetPages, "SQLite's default is 1,000 pages, checkpointed inside the commit");
    }

    [Test]
    public async Task Commits_have_the_wal_checkpointed_into_the_database_file_in_the_background()
    {
        var store = _services.GetRequiredService<IChatKitStore>();
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_wal", CreatedAt = DateTimeOffset.UtcNow }, Alice);
        for (var i = 0; i < SqliteWalCheckpointer.WritesPerCheckpoint; i++)
            await store.AddThreadItemAsync("thr_wal", Message("thr_wal", i), Alice);

        await WaitForAsync(() => _checkpoints.Count >= 1);
        lock (_checkpoints) _checkpoints.Should().OnlyContain(c => c.Error == null && c.Seconds >= 0 && c.Seconds < 10);

        // The database file alone, without its WAL, holds what was committed before the checkpoint: a few hundred pages,
        // which the connections' own automatic checkpoint (at SafetyNetPages) would have left in the WAL.
        var copy = Path.Combine(_folder, "copy.db");
        File.Copy(_file, copy);
        await using var alone = new SqliteConnection($"Data Source={copy};Pooling=False");
        await alone.OpenAsync();
        await using var count = alone.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM chatkit_items WHERE ThreadId = 'thr_wal';";
        ((long)(await count.ExecuteScalarAsync())!).Should().BeGreaterThanOrEqualTo(SqliteWalCheckpointer.WritesPerCheckpoint / 2,
            "the background checkpoint copied the WAL into the file");
    }

    [Test]
    public async Task A_checkpoint_that_fails_is_logged_and_measured_and_the_next_one_still_runs()
    {
        // A checkpointer on a file that is not there (deleted under the server): it is not created, so SQLite cannot open it.
        var store = _services.GetRequiredService<IChatKitStore>();
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_ro", CreatedAt = DateTimeOffset.UtcNow }, Alice);
        await store.AddThreadItemAsync("thr_ro", Message("thr_ro", 0), Alice);
        var log = new WarningLog();
        var gone = Path.Combine(_folder, "gone.db");
        var checkpointer = new SqliteWalCheckpointer($"Data Source={gone};Pooling=False", log);

        checkpointer.Committed(SqliteWalCheckpointer.WritesPerCheckpoint - 1);
        checkpointer.Committed(1);
        await WaitForAsync(() => checkpointer.Checkpoints == 1 && log.Count == 1);
        checkpointer.Committed(SqliteWalCheckpointer.WritesPerCheckpoint);
        await WaitForAsync(() => checkpointer.Checkpoints == 2 && log.Count == 2);

        File.Exists(gone).Should().BeFalse("a checkpoint does not create the database");
        log.Entries.Should().OnlyContain(e => e.Exception is SqliteException && e.Message.Contains(SqliteWalCheckpointer.SafetyNetPages.ToString()));
        lock (_checkpoints) _checkpoints.Where(c => c.Error is not null).Should().HaveCount(2).And.OnlyContain(c => (string)c.Error! == nameof(SqliteException));
        (await store.LoadThreadItemsAsync("thr_ro", null, 10, SortOrder.Asc, Alice)).Data.Should().ContainSingle("the store goes on");
    }

    [Test]
    public async Task The_gate_tells_its_listener_the_writes_each_commit_took_and_nothing_for_a_write_that_failed()
    {
        var told = new List<int>();
        await using var gate = ChatKitWriteGate.SingleWriter(writes => { lock (told) told.Add(writes); });
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();

        await gate.WriteAsync(contexts, db => db.Database.ExecuteSqlRawAsync("SELECT 1;"), CancellationToken.None);
        var failing = () => gate.WriteAsync(contexts, _ => throw new InvalidOperationException("refused"), CancellationToken.None);
        await failing.Should().ThrowAsync<InvalidOperationException>();

        lock (told) told.Should().Equal([1], "the failed write committed nothing");
    }

    private static UserMessageItem Message(string thread, int i) => new()
    {
        Id = $"msg_{i:000}", ThreadId = thread, CreatedAt = DateTimeOffset.UtcNow,
        Content = [new UserMessageTextContent { Text = $"message {i} " + new string('x', 500) }], InferenceOptions = new InferenceOptions(),
    };

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting for the background checkpoint");
            await Task.Delay(20);
        }
    }

    private sealed class WarningLog : ILogger<SqliteWalCheckpointer>
    {
        private readonly List<(string Message, Exception? Exception)> _entries = [];

        public int Count { get { lock (_entries) return _entries.Count; } }

        public IReadOnlyList<(string Message, Exception? Exception)> Entries { get { lock (_entries) return [.. _entries]; } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) lock (_entries) _entries.Add((formatter(state, exception), exception));
        }
    }
}
