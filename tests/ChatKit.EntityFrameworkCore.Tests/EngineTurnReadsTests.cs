using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>What the engine reads from a SQLite store around a turn (the store's prepared reads, counted).</summary>
public sealed class EngineTurnReadsTests
{
    private string _folder = null!;
    private ServiceProvider _services = null!;
    private ChatKitEngine _engine = null!;
    private readonly ChatKitContext _alice = new() { UserId = "alice" };

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(_folder, "chatkit.db")}"))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
        _engine = new ChatKitEngine(_services.GetRequiredService<IChatKitStore>(), new OneMessage());
    }

    [TearDown]
    public async Task TearDown()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task A_new_thread_s_first_turn_does_not_read_back_the_thread_it_just_saved()
    {
        var reads = _services.GetRequiredService<StoreReads>().Prepared!;
        var before = reads.StatementsRun;

        var events = await StreamAsync("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}""");

        (reads.StatementsRun - before).Should().Be(0, "nobody else has the thread's id before its first turn: the engine goes on with the thread it saved");
        var created = events.OfType<ThreadCreatedEvent>().Should().ContainSingle().Subject.Thread;
        events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).Should().Contain(i => i is AssistantMessageItem);
        var stored = await _services.GetRequiredService<IChatKitStore>().LoadThreadAsync(created.Id, _alice);
        stored.CreatedAt.Should().Be(created.CreatedAt);
        var items = await _services.GetRequiredService<IChatKitStore>().LoadThreadItemsAsync(created.Id, null, 10, SortOrder.Asc, _alice);
        items.Data.Select(i => i.GetType()).Should().Equal(typeof(UserMessageItem), typeof(AssistantMessageItem));
        items.Data.Should().OnlyContain(i => i.CreatedAt >= created.CreatedAt, "the turn's clock starts at the thread's creation");
    }

    [Test]
    public async Task A_later_turn_reads_the_thread_again_once_it_holds_the_lock()
    {
        var first = await StreamAsync("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}""");
        var id = first.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        var reads = _services.GetRequiredService<StoreReads>().Prepared!;
        var before = reads.StatementsRun;

        await StreamAsync("""{"type":"threads.add_user_message","params":{"thread_id":""" + "\"" + id + "\"" + ""","input":{"content":[{"type":"input_text","text":"again"}],"attachments":[],"inference_options":{}}}}""");

        (reads.StatementsRun - before).Should().BeGreaterThan(1, "the thread is read before the stream starts and again under its lock");
    }

    private async Task<List<ThreadStreamEvent>> StreamAsync(string json)
    {
        var response = (ChatKitStreamResponse)await _engine.ProcessAsync(ChatKitRequestParser.Parse(json), _alice);
        var events = new List<ThreadStreamEvent>();
        await foreach (var ev in response.Events)
            events.Add(ev);
        return events;
    }

    private sealed class OneMessage : IChatKitResponder
    {
        public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new ThreadItemDoneEvent
            {
                Item = new AssistantMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new AssistantMessageContent { Text = "ok" }] },
            };
        }
    }
}
