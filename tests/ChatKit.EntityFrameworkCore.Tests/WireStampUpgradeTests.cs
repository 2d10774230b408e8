using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// A database written by the version before the items' wire stamps and the threads' client JSON (decision 0020) is upgraded in
/// place: its items and threads are all there, read from their columns, and stamped again when they are saved.
/// </summary>
public sealed class WireStampUpgradeTests
{
    private static readonly ChatKitContext Alice = new() { UserId = "alice" };

    [Test]
    public async Task Items_and_threads_of_a_database_from_before_the_stamps_are_read_from_their_columns_and_stamped_when_saved_again()
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        var connectionString = $"Data Source={Path.Combine(folder, "chatkit.db")}";
        ServiceProvider Services() => new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.UseSqlite(connectionString)).BuildServiceProvider();
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UnixEpoch };
        AssistantMessageItem Message(string id, string text, int second) => new()
        {
            Id = id, ThreadId = thread.Id, CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(second), Content = [new AssistantMessageContent { Text = text }],
        };
        try
        {
            await using (var before = Services())
            {
                await before.MigrateChatKitDatabaseAsync();
                var store = before.GetRequiredService<IChatKitStore>();
                await store.SaveThreadAsync(thread, Alice);
                await store.AddThreadItemAsync(thread.Id, Message("msg_1", "written before", 1), Alice);
                await store.AddThreadItemAsync(thread.Id, Message("msg_2", "also before", 2), Alice);
            }
            SqliteConnection.ClearAllPools();
            // The database as the version before both left it: no stamp columns, and their migrations not applied.
            await using (var db = new SqliteConnection(connectionString))
            {
                await db.OpenAsync();
                await using var command = db.CreateCommand();
                command.CommandText = "ALTER TABLE chatkit_items DROP COLUMN WireStamp; ALTER TABLE chatkit_threads DROP COLUMN WireJson; ALTER TABLE chatkit_threads DROP COLUMN WireStamp; " +
                    "DELETE FROM __EFMigrationsHistory WHERE MigrationId LIKE '%_ItemWireStamp' OR MigrationId LIKE '%_ThreadWireJson';";
                await command.ExecuteNonQueryAsync();
            }
            SqliteConnection.ClearAllPools();

            await using var after = Services();
            await after.MigrateChatKitDatabaseAsync();
            var upgraded = after.GetRequiredService<IChatKitStore>();

            var page = await upgraded.LoadVisibleWireItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice);
            page.Data.Should().OnlyContain(w => w.Json == null, "rows from before the stamps are not vouched for");
            page.Data.Select(w => ((AssistantMessageItem)w.Item!).Text).Should().Equal("written before", "also before");

            await upgraded.SaveItemAsync(thread.Id, Message("msg_1", "saved after the upgrade", 1), Alice);
            var again = await upgraded.LoadVisibleWireItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice);
            again.Data[0].Json.Should().Be(Json.ChatKitJson.Serialize<ThreadItem>(Message("msg_1", "saved after the upgrade", 1)));
            again.Data[1].Json.Should().BeNull();

            var threads = await upgraded.LoadWireThreadsAsync(10, null, SortOrder.Asc, Alice);
            threads.Data.Should().ContainSingle().Which.Thread!.Id.Should().Be(thread.Id, "a thread from before the client JSON is read from its columns");
            thread.Title = "saved after the upgrade";
            await upgraded.SaveThreadAsync(thread, Alice);
            (await upgraded.LoadWireThreadsAsync(10, null, SortOrder.Asc, Alice)).Data.Single().Json.Should().Be(WireThread.ClientJsonOf(thread));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
