using ChatKit.EntityFrameworkCore.Records;
using ChatKit.EntityFrameworkCore.Tests.Support;
using ChatKit.Json;
using ChatKit.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// A database made at the migration before the search text columns (decision 0022), with rows written in that schema, is
/// migrated: its threads are found as before until the store fills their search text, then by what people read, ignoring case.
/// </summary>
public sealed class SearchTextUpgradeTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch.AddDays(1);

    [TestCase("Sqlite")]
    [TestCase("PostgreSql")]
    public async Task A_database_from_before_the_search_text_is_searched_as_before_then_by_what_people_read_once_filled(string provider)
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        var server = provider == "PostgreSql" ? await PostgreSqlServer.SharedAsync() : null;
        var connectionString = server is null ? $"Data Source={Path.Combine(folder, "chatkit.db")}" : await server.CreateDatabaseAsync();
        Directory.CreateDirectory(folder);
        try
        {
            await using var services = new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.Use(provider, connectionString)).BuildServiceProvider();
            var contexts = services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
            await using (var db = await contexts.CreateDbContextAsync())
            {
                await db.GetService<IMigrator>().MigrateAsync(BeforeSearchText(db)); // the schema the version before wrote
                await InsertThreadAsync(db, "thr_old", "Dessert IDEAS");
                await InsertItemAsync(db, "thr_old", new UserMessageItem { Id = "msg_1", ThreadId = "thr_old", CreatedAt = At, Content = [new UserMessageTextContent { Text = "Crème BRÛLÉE, please" }] });
                await InsertItemAsync(db, "thr_old", new HiddenContextItem { Id = "hid_1", ThreadId = "thr_old", CreatedAt = At, Content = "secret words" });
                await InsertThreadAsync(db, "thr_other", null);
                await InsertItemAsync(db, "thr_other", new AssistantMessageItem { Id = "msg_2", ThreadId = "thr_other", CreatedAt = At, Content = [new AssistantMessageContent { Text = "Nothing here" }] });
            }

            await services.MigrateChatKitDatabaseAsync();
            async Task<List<string>> Search(string query)
            {
                await using var db = await contexts.CreateDbContextAsync();
                return await db.Threads.WhereTextContains(db, query).OrderBy(t => t.Id).Select(t => t.Id).ToListAsync();
            }

            (await Search("Crème BRÛLÉE")).Should().Equal(["thr_old"], "rows not filled yet are searched as before");
            (await Search("type")).Should().Equal(["thr_old", "thr_other"], "as before: the JSON of rows not filled yet");

            var fill = await services.FillChatKitSearchTextAsync();

            fill.Should().Be(new SearchTextFill(Items: 3, Threads: 2, Skipped: 0, Read: 5));
            (await Search("crème brûlée")).Should().Equal(["thr_old"]);
            (await Search("CRÈME")).Should().Equal(["thr_old"]);
            (await Search("dessert ideas")).Should().Equal(["thr_old"]);
            (await Search("NOTHING")).Should().Equal(["thr_other"]);
            foreach (var json in new[] { "type", "text", "role", "content", "user_message", "input_text", "created_at", "secret" })
                (await Search(json)).Should().BeEmpty($"'{json}' is JSON or hidden, not text a person reads");
            (await services.FillChatKitSearchTextAsync()).Should().Be(new SearchTextFill(0, 0, 0, 0), "a second pass reads only rows added since");

            var store = services.GetRequiredService<IChatKitStore>();
            await store.AddThreadItemAsync("thr_other", new AssistantMessageItem { Id = "msg_3", ThreadId = "thr_other", CreatedAt = At, Content = [new AssistantMessageContent { Text = "Ünïcode" }] }, new ChatKitContext { UserId = "alice" });
            (await Search("ÜNÏCODE")).Should().Equal(["thr_other"], "a save writes its search text");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (server is not null) await server.DropDatabaseAsync(connectionString);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task A_row_whose_lists_hold_a_null_does_not_stop_the_fill_of_the_rows_after_it()
    {
        // Stored JSON such as "content": [null] reads (System.Text.Json does not enforce nullable annotations on list elements):
        // folding it threw, the pass stopped at that row on every start, and no row after it was ever filled.
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        try
        {
            await using var services = new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.Use("Sqlite", $"Data Source={Path.Combine(folder, "chatkit.db")}")).BuildServiceProvider();
            var contexts = services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
            await using (var db = await contexts.CreateDbContextAsync())
            {
                await db.GetService<IMigrator>().MigrateAsync(BeforeSearchText(db));
                await InsertThreadAsync(db, "thr_old", "Old");
                await InsertItemAsync(db, "thr_old", new AssistantMessageItem { Id = "msg_1", ThreadId = "thr_old", CreatedAt = At, Content = [null!, new AssistantMessageContent { Text = "Half" }] });
                await InsertItemAsync(db, "thr_old", new UserMessageItem { Id = "msg_2", ThreadId = "thr_old", CreatedAt = At, Content = [new UserMessageTextContent { Text = "Files" }], Attachments = [null!] });
                await InsertItemAsync(db, "thr_old", new AssistantMessageItem { Id = "msg_3", ThreadId = "thr_old", CreatedAt = At, Content = [new AssistantMessageContent { Text = "AFTER them" }] });
            }
            await services.MigrateChatKitDatabaseAsync();

            (await services.FillChatKitSearchTextAsync()).Should().Be(new SearchTextFill(Items: 3, Threads: 1, Skipped: 0, Read: 4));

            await using var read = await contexts.CreateDbContextAsync();
            (await read.Items.OrderBy(i => i.Sequence).Select(i => i.SearchText).ToListAsync()).Should().Equal("half", "files", "after them");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The provider's migration just before the one that added the search text: the schema the version before wrote.</summary>
    private static string BeforeSearchText(ChatKitDbContext db)
    {
        var migrations = db.Database.GetMigrations().ToList();
        var searchText = migrations.FindIndex(m => m.EndsWith("_SearchText", StringComparison.Ordinal));
        searchText.Should().BePositive("every provider has a SearchText migration after its first");
        return migrations[searchText - 1];
    }

    private static Task InsertThreadAsync(ChatKitDbContext db, string id, string? title)
    {
        var values = new Dictionary<string, object?>
        {
            ["Id"] = id, ["UserId"] = "alice", ["CreatedAt"] = At, ["UpdatedAt"] = At,
            ["StatusJson"] = ChatKitJson.Serialize<ThreadStatus>(new ActiveStatus()), ["MetadataJson"] = "{}",
        };
        if (title is not null) values["Title"] = title;
        return InsertAsync<ThreadRecord>(db, values);
    }

    private static Task InsertItemAsync(ChatKitDbContext db, string threadId, ThreadItem item) => InsertAsync<ItemRecord>(db, new()
    {
        ["Id"] = item.Id, ["ThreadId"] = threadId, ["UserId"] = "alice", ["Type"] = item.Kind, ["CreatedAt"] = item.CreatedAt,
        ["Json"] = ChatKitStorageJson.Serialize(item),
    });

    /// <summary>An INSERT of the given columns only, written from the model (names, quoting, the provider's time converter).</summary>
    private static async Task InsertAsync<T>(ChatKitDbContext db, Dictionary<string, object?> values)
    {
        var type = db.Model.FindEntityType(typeof(T))!;
        var sql = db.GetService<ISqlGenerationHelper>();
        var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
        var columns = values.Keys.Select(name => sql.DelimitIdentifier(type.FindProperty(name)!.GetColumnName(table)!));
        var parameters = values.Select(v => v.Value is { } value && type.FindProperty(v.Key)!.GetTypeMapping().Converter is { } converter
            ? converter.ConvertToProvider(value) : v.Value).ToArray();
        // Names from the model, values as parameters.
        var insert = $"INSERT INTO {sql.DelimitIdentifier(type.GetTableName()!, type.GetSchema())} ({string.Join(", ", columns)}) " +
            $"VALUES ({string.Join(", ", values.Keys.Select((_, i) => "{" + i + "}"))})";
        await db.Database.ExecuteSqlRawAsync(insert, parameters!);
    }
}
