using ChatKit.EntityFrameworkCore.Records;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The SQLite write path: one writer at a time through the gate, WAL with synchronous=NORMAL.</summary>
public sealed class SqliteWritePathTests
{
    private string _folder = null!;
    private ServiceProvider _services = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(_folder, "chatkit.db")}"))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Every_connection_uses_wal_with_synchronous_normal()
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        (await command.ExecuteScalarAsync()).Should().Be("wal");
        command.CommandText = "PRAGMA synchronous;";
        (await command.ExecuteScalarAsync()).Should().Be(1L, "1 is NORMAL (2 is FULL, the default)");
    }

    [Test]
    public async Task The_sqlite_gate_lets_one_writer_through_at_a_time()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        second.IsCompleted.Should().BeFalse("the first writer still holds the gate");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Test]
    public async Task Writes_queued_together_commit_in_one_transaction_and_one_that_fails_fails_alone()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        var store = _services.GetRequiredService<IChatKitStore>();
        var alice = new ChatKitContext { UserId = "alice" };
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_batch", CreatedAt = DateTimeOffset.UtcNow }, alice);
        var transactions = new List<string?>();

        // While a writer holds the gate, the next writes queue up; they then go in as one batch.
        Task[] writes;
        using (await gate.EnterAsync(CancellationToken.None))
        {
            writes = Enumerable.Range(0, 5).Select(i => gate.WriteAsync(contexts, async db =>
            {
                lock (transactions) transactions.Add(db.Database.CurrentTransaction?.TransactionId.ToString());
                if (i == 2) throw new InvalidOperationException("write 2 fails");
                db.Items.Add(new ItemRecord { Id = $"msg_{i}", ThreadId = "thr_batch", UserId = "alice", Type = "user_message", CreatedAt = DateTimeOffset.UtcNow, Json = "{}" });
                await db.SaveChangesAsync();
            }, CancellationToken.None)).ToArray();
            await Task.Delay(100);
            writes.Should().OnlyContain(w => !w.IsCompleted, "nothing is answered before its transaction commits");
        }

        var failed = () => writes[2];
        await failed.Should().ThrowAsync<InvalidOperationException>().WithMessage("write 2 fails");
        await Task.WhenAll(writes.Where((_, i) => i != 2));
        transactions.Should().HaveCount(5).And.OnlyContain(t => t != null && t == transactions[0], "the five writes shared one transaction");
        await using var db = await contexts.CreateDbContextAsync();
        (await db.Items.Where(i => i.ThreadId == "thr_batch").Select(i => i.Id).OrderBy(i => i).ToListAsync())
            .Should().Equal("msg_0", "msg_1", "msg_3", "msg_4");
    }

    [Test]
    public async Task The_sql_server_registration_does_not_gate_writes()
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlServer("Server=unused;Database=unused"))
            .BuildServiceProvider();
        var gate = services.GetRequiredService<ChatKitWriteGate>();
        using var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None);
        second.IsCompleted.Should().BeTrue();
    }

    [Test]
    public async Task Two_hundred_concurrent_turns_of_writes_all_land()
    {
        var store = _services.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "u1" };
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
            await store.SaveThreadAsync(thread, context);
            await store.AddThreadItemAsync(thread.Id, new UserMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new UserMessageTextContent { Text = $"m{i}" }] }, context);
            thread.Title = $"t{i}";
            await store.SaveThreadAsync(thread, context);
        }));
        var page = await store.LoadThreadsAsync(500, null, SortOrder.Desc, context);
        page.Data.Should().HaveCount(200).And.OnlyContain(t => t.Title != null);
    }
}
