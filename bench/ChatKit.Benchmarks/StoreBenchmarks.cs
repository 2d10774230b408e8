using BenchmarkDotNet.Attributes;

namespace ChatKit.Benchmarks;

/// <summary>
/// Store reads on one user's 10,000 threads, the newest of which has 200 items: EF Core on a real
/// SQLite file (WAL, as <c>MigrateChatKitDatabaseAsync</c> leaves it) against the in-memory store.
/// Seeded in <see cref="Setup"/>, the temp folder removed in <see cref="Cleanup"/>.
/// </summary>
[MemoryDiagnoser]
public class StoreReadBenchmarks
{
    private StoreFixture _fixture = null!;
    private string _middleCursor = null!;

    [ParamsAllValues]
    public StoreKind Store { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = StoreFixture.CreateAsync(Store, withItems: true).GetAwaiter().GetResult();
        _middleCursor = _fixture.ItemIds[StoreFixture.ItemCount / 2];
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.DisposeAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "LoadThreadAsync")]
    public Task<ThreadMetadata> LoadThread() =>
        _fixture.Store.LoadThreadAsync(_fixture.BigThreadId, StoreFixture.Context);

    /// <summary>The first page, newest first: what the engine loads for each turn and <c>items.list</c> returns first.</summary>
    [Benchmark(Description = "LoadThreadItemsAsync 20 of 200 (desc, first page)")]
    public Task<Page<ThreadItem>> LoadThreadItems() =>
        _fixture.Store.LoadThreadItemsAsync(_fixture.BigThreadId, null, 20, SortOrder.Desc, StoreFixture.Context);

    /// <summary>A page from the middle of the thread, through an <c>after</c> cursor.</summary>
    [Benchmark(Description = "LoadThreadItemsAsync 20 of 200 (desc, after cursor)")]
    public Task<Page<ThreadItem>> LoadThreadItems_AfterCursor() =>
        _fixture.Store.LoadThreadItemsAsync(_fixture.BigThreadId, _middleCursor, 20, SortOrder.Desc, StoreFixture.Context);

    /// <summary>The first page of <c>threads.list</c> (newest first).</summary>
    [Benchmark(Description = "LoadThreadsAsync 20 of 10,000 (desc, first page)")]
    public Task<Page<ThreadMetadata>> LoadThreads() =>
        _fixture.Store.LoadThreadsAsync(20, null, SortOrder.Desc, StoreFixture.Context);
}

/// <summary>
/// <c>AddThreadItemAsync</c> of one user message (~100 chars), in the same world of 10,000 threads.
/// Each iteration appends <see cref="PerIteration"/> new messages to a thread created fresh in
/// <see cref="NewThread"/>, so the thread never grows without bound across the run (the in-memory
/// store scans a thread's items on every add).
/// </summary>
[MemoryDiagnoser]
[InvocationCount(PerIteration)]
public class StoreWriteBenchmarks
{
    private const int PerIteration = 256;

    private StoreFixture _fixture = null!;
    private UserMessageItem[] _items = null!;
    private string _threadId = null!;
    private int _next;
    private int _iteration;

    [ParamsAllValues]
    public StoreKind Store { get; set; }

    [GlobalSetup]
    public void Setup() => _fixture = StoreFixture.CreateAsync(Store, withItems: false).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _fixture.DisposeAsync().GetAwaiter().GetResult();

    [IterationSetup]
    public void NewThread()
    {
        _iteration++;
        _threadId = $"thr_{_iteration:x8}ffffffffffffffff";
        var createdAt = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero).AddMinutes(_iteration);
        _fixture.Store.SaveThreadAsync(new ThreadMetadata { Id = _threadId, CreatedAt = createdAt }, StoreFixture.Context).GetAwaiter().GetResult();
        // The items are made here: building the message is the engine's work, not the store's.
        _items = new UserMessageItem[PerIteration];
        for (var i = 0; i < PerIteration; i++)
            _items[i] = StoreFixture.UserMessage(_threadId, ChatKitIds.Message(), createdAt.AddSeconds(i), SampleData.Prose(100));
        _next = 0;
    }

    [Benchmark(Description = "AddThreadItemAsync (user message)")]
    public Task AddThreadItem() => _fixture.Store.AddThreadItemAsync(_threadId, _items[_next++], StoreFixture.Context);
}
