using Microsoft.EntityFrameworkCore;
using ChatKit.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The EF Core store on a real PostgreSQL (started by the tests on loopback), a new database per test, migrated as the server does.</summary>
public sealed class PostgreSqlStoreContractTests : StoreContractTests
{
    private PostgreSqlServer _server = null!;
    private string _connectionString = null!;
    private ServiceProvider _services = null!;

    protected override async Task<IChatKitStore> CreateStoreAsync()
    {
        _server = await PostgreSqlServer.SharedAsync();
        _connectionString = await _server.CreateDatabaseAsync();
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql(_connectionString))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
        return _services.GetRequiredService<IChatKitStore>();
    }

    protected override bool SendsStoredJson => true;

    protected override string UpdatedAtLater => "\"UpdatedAt\" + interval '1 millisecond'";

    protected override Func<string, Task>? Sql => async sql =>
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    };

    [Test]
    public async Task An_item_saved_while_another_instance_deletes_its_thread_is_not_found_not_a_database_failure()
    {
        var thread = await NewThreadAsync();
        await Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "before"), Alice);

        // Another instance's threads.delete, caught between its DELETE and its COMMIT.
        await using var other = new Npgsql.NpgsqlConnection(_connectionString);
        await other.OpenAsync();
        await using var delete = await other.BeginTransactionAsync();
        await using (var command = new Npgsql.NpgsqlCommand("""DELETE FROM chatkit_threads WHERE "Id" = $1""", other, delete))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = thread.Id });
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }
        var save = Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "during"), Alice);
        await Task.Delay(300);
        save.IsCompleted.Should().BeFalse("the insert waits on the thread row the delete holds");
        await delete.CommitAsync();

        var saving = () => save.WaitAsync(TimeSpan.FromSeconds(20));
        await saving.Should().ThrowAsync<ChatKitNotFoundException>("the thread is gone, as if the delete had come first");
        var load = () => Store.LoadThreadAsync(thread.Id, Alice);
        await load.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_services is null) return;
        await _services.DisposeAsync();
        await _server.DropDatabaseAsync(_connectionString);
    }
}
