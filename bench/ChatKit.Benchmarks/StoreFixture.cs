using ChatKit.EntityFrameworkCore;
using ChatKit.EntityFrameworkCore.Records;
using ChatKit.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Benchmarks;

/// <summary>Which store a benchmark runs on.</summary>
public enum StoreKind
{
    /// <summary><see cref="EfChatKitStore"/> on a SQLite file in a temp folder, registered and migrated as the server does.</summary>
    EfSqlite,
    /// <summary><see cref="InMemoryChatKitStore"/>, the comparison.</summary>
    InMemory,
}

/// <summary>
/// A store seeded with one user's <see cref="ThreadCount"/> threads; the newest one (<see cref="BigThreadId"/>)
/// holds <see cref="ItemCount"/> items, alternating user messages (~100 chars) and assistant answers (~500 chars).
/// </summary>
internal sealed class StoreFixture
{
    public const int ThreadCount = 10_000;
    public const int ItemCount = 200;

    public static readonly ChatKitContext Context = new() { UserId = "user_bench_0001" };

    private ServiceProvider? _services;
    private string? _folder;

    public required IChatKitStore Store { get; init; }
    public required string BigThreadId { get; init; }
    /// <summary>Item ids of the big thread, oldest first.</summary>
    public required List<string> ItemIds { get; init; }

    public static async Task<StoreFixture> CreateAsync(StoreKind kind, bool withItems)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        ServiceProvider? services = null;
        string? folder = null;
        IChatKitStore store;
        if (kind == StoreKind.EfSqlite)
        {
            folder = Path.Combine(Path.GetTempPath(), "chatkit-bench", Guid.NewGuid().ToString("n"));
            services = new ServiceCollection()
                .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(folder, "chatkit.db")}"))
                .BuildServiceProvider();
            await services.MigrateChatKitDatabaseAsync();
            store = services.GetRequiredService<IChatKitStore>();
            // The older threads in one transaction (rows as SaveThreadAsync writes them, without the client JSON, as a database
            // from before it has them): 10,000 single commits would take minutes.
            var status = ChatKitJson.Serialize(ThreadStatus.Active());
            await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
            for (var i = 0; i < ThreadCount - 1; i++)
                db.Threads.Add(new ThreadRecord
                {
                    Id = ThreadIdOf(i), UserId = Context.UserId, Title = $"Thread {i}", CreatedAt = start.AddMinutes(i),
                    UpdatedAt = start.AddMinutes(i), StatusJson = status, MetadataJson = "{}",
                });
            await db.SaveChangesAsync();
        }
        else
        {
            store = new InMemoryChatKitStore();
            for (var i = 0; i < ThreadCount - 1; i++)
                await store.SaveThreadAsync(new ThreadMetadata { Id = ThreadIdOf(i), Title = $"Thread {i}", CreatedAt = start.AddMinutes(i) }, Context);
        }

        // The newest thread, through the store's own API.
        var bigThread = new ThreadMetadata { Id = SampleData.ThreadId, Title = "Weather in Paris", CreatedAt = start.AddMinutes(ThreadCount) };
        await store.SaveThreadAsync(bigThread, Context);
        var ids = new List<string>();
        if (withItems)
        {
            for (var i = 0; i < ItemCount; i++)
            {
                ThreadItem item = i % 2 == 0
                    ? (ThreadItem)UserMessage(bigThread.Id, $"msg_{i:x24}", bigThread.CreatedAt.AddSeconds(i), SampleData.Prose(100))
                    : AssistantMessage(bigThread.Id, $"msg_{i:x24}", bigThread.CreatedAt.AddSeconds(i), SampleData.Prose(500));
                await store.AddThreadItemAsync(bigThread.Id, item, Context);
                ids.Add(item.Id);
            }
        }
        return new StoreFixture { Store = store, BigThreadId = bigThread.Id, ItemIds = ids, _services = services, _folder = folder };
    }

    public static string ThreadIdOf(int i) => $"thr_{i:x24}";

    public static UserMessageItem UserMessage(string threadId, string id, DateTimeOffset createdAt, string text) => new()
    {
        Id = id, ThreadId = threadId, CreatedAt = createdAt,
        Content = [new UserMessageTextContent { Text = text }],
    };

    public static AssistantMessageItem AssistantMessage(string threadId, string id, DateTimeOffset createdAt, string text) => new()
    {
        Id = id, ThreadId = threadId, CreatedAt = createdAt,
        Content = [new AssistantMessageContent { Text = text }],
    };

    /// <summary>Runs SQL on the fixture's database behind the store's back (EF on SQLite only).</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        var contexts = (_services ?? throw new InvalidOperationException("The in-memory store has no database.")).GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_folder is not null && Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
