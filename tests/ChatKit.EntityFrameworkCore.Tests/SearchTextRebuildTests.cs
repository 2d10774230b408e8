using ChatKit.EntityFrameworkCore.Records;
using ChatKit.EntityFrameworkCore.Tests.Support;
using ChatKit.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// Rules of a new version (<see cref="ChatKitSearchText.Version"/>, decision 0022) over rows whose text the older rules wrote:
/// until the fill pass has remade a row, a search still finds it as the older rules folded it; a pass stopped partway (the process
/// killed) leaves a mark that says a rebuild is under way, and the next start takes it up where it got to.
/// </summary>
public sealed class SearchTextRebuildTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch.AddDays(1);
    private static readonly ChatKitContext Alice = new() { UserId = "alice" };

    [TestCase("Sqlite")]
    [TestCase("PostgreSql")]
    public async Task A_rebuild_stopped_partway_is_taken_up_by_the_next_start_and_older_text_is_found_meanwhile(string provider)
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        var server = provider == "PostgreSql" ? await PostgreSqlServer.SharedAsync() : null;
        var connectionString = server is null ? $"Data Source={Path.Combine(folder, "chatkit.db")}" : await server.CreateDatabaseAsync();
        Directory.CreateDirectory(folder);
        ServiceProvider Start() => new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.Use(provider, connectionString)).BuildServiceProvider();
        try
        {
            await using (var first = Start())
            {
                await first.MigrateChatKitDatabaseAsync();
                var store = first.GetRequiredService<IChatKitStore>();
                foreach (var n in new[] { 1, 2, 3 })
                {
                    await store.SaveThreadAsync(new ThreadMetadata { Id = $"thr_{n}", CreatedAt = At, Title = $"Trip {n}" }, Alice);
                    await store.AddThreadItemAsync($"thr_{n}", new UserMessageItem { Id = $"msg_{n}", ThreadId = $"thr_{n}", CreatedAt = At, Content = [new UserMessageTextContent { Text = $"Die Straße {n}" }] }, Alice);
                }
                await store.AddThreadItemAsync("thr_3", new WorkflowItem
                {
                    Id = "wf_1", ThreadId = "thr_3", CreatedAt = At,
                    Workflow = new Workflow { Tasks = [new CustomTask { Title = "Packing", Content = "Sunscreen and hats" }] },
                }, Alice);
                var firstFill = await first.FillChatKitSearchTextAsync();
                firstFill.Read.Should().Be(7);
                firstFill.RebuiltFrom.Should().BeNull("a first fill writes rows without text: nothing is rebuilt");
                await AsIfVersion1WroteThemAsync(first);
            }

            await using (var second = Start())
            {
                // As the older rules folded them: "straße" (a query folds to "strasse" now), and no text for the workflow.
                (await SearchAsync(second, "Straße")).Should().Equal(["thr_1", "thr_2", "thr_3"], "rows not remade yet are matched as the older rules wrote them");
                (await SearchAsync(second, "Sunscreen")).Should().Equal(["thr_3"], "a workflow, which had no text, is matched by its JSON until remade (as written: PostgreSQL's LIKE minds case)");
                (await SearchAsync(second, "type")).Should().Equal(["thr_3"], "only the workflow's JSON, until it is remade: messages had text under the older rules");

                // The first batch is written, then the process "dies" in the pause before the next.
                using var stop = new CancellationTokenSource();
                var pass = second.FillChatKitSearchTextAsync(batchSize: 1, pause: TimeSpan.FromSeconds(30), stop.Token);
                while ((await MarkAsync(second)).StartsWith("1 ") && !pass.IsCompleted) await Task.Delay(20);
                await stop.CancelAsync();
                await FluentActions.Awaiting(() => pass).Should().ThrowAsync<OperationCanceledException>();

                (await MarkAsync(second)).Split(' ').Should().HaveCount(4, "the mark says a rebuild is under way");
                (await SearchAsync(second, "Straße")).Should().Equal(["thr_1", "thr_2", "thr_3"], "remade or not, every row is found meanwhile");
                (await SearchAsync(second, "Sunscreen")).Should().Equal(["thr_3"]);
            }

            await using (var third = Start())
            {
                var fill = await third.FillChatKitSearchTextAsync();
                fill.Items.Should().Be(3, "the rows the stopped pass did not reach (two messages, the workflow) are remade");
                fill.RebuiltFrom.Should().Be(1, "the pass says it rebuilt the rows of rules version 1 (the server logs it so)");
                (await MarkAsync(third)).Split(' ').Should().HaveCount(3, "the rebuild is through");
                await using var db = await third.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
                (await db.Items.OrderBy(i => i.Sequence).Select(i => i.SearchText).ToListAsync())
                    .Should().Equal("die strasse 1", "die strasse 2", "die strasse 3", "packing\nsunscreen and hats");
                (await SearchAsync(third, "STRASSE")).Should().Equal(["thr_1", "thr_2", "thr_3"]);
                (await SearchAsync(third, "hats")).Should().Equal(["thr_3"]);
                (await SearchAsync(third, "type")).Should().BeEmpty("the workflow is matched by its text now, not its JSON");
                (await third.FillChatKitSearchTextAsync()).Should().Be(new SearchTextFill(0, 0, 0, 0), "a later start reads nothing");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (server is not null) await server.DropDatabaseAsync(connectionString);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The rows as the rules of version 1 wrote them (lower case, no workflow text), under a mark of version 1.</summary>
    private static async Task AsIfVersion1WroteThemAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        foreach (var n in new[] { 1, 2, 3 })
        {
            await db.Items.Where(i => i.Id == $"msg_{n}").ExecuteUpdateAsync(u => u.SetProperty(i => i.SearchText, ChatKitSearchText.FoldVersion1($"Die Straße {n}")));
            await db.Threads.Where(t => t.Id == $"thr_{n}").ExecuteUpdateAsync(u => u.SetProperty(t => t.SearchText, ChatKitSearchText.FoldVersion1($"Trip {n}")));
        }
        await db.Items.Where(i => i.Id == "wf_1").ExecuteUpdateAsync(u => u.SetProperty(i => i.SearchText, ""));
        var items = await db.Items.MaxAsync(i => i.Sequence);
        var threads = await db.Threads.MaxAsync(t => t.Sequence);
        await db.StoreState.Where(s => s.Key == "search_text_fill").ExecuteUpdateAsync(u => u.SetProperty(s => s.Value, $"1 {items} {threads}"));
    }

    private static async Task<string> MarkAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        return await db.StoreState.Where(s => s.Key == "search_text_fill").Select(s => s.Value).SingleAsync();
    }

    private static async Task<List<string>> SearchAsync(IServiceProvider services, string query)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        var rebuild = await ChatKitThreadSearch.RebuildAsync(db);
        return await db.Threads.WhereTextContains(db, query, rebuild).OrderBy(t => t.Id).Select(t => t.Id).ToListAsync();
    }
}
