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
