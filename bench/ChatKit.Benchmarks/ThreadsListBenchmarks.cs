using BenchmarkDotNet.Attributes;

namespace ChatKit.Benchmarks;

/// <summary>
/// A <c>threads.list</c> request (the first page of 20, newest first, of one user's 10,000 threads) through
/// <see cref="ChatKitEngine.ProcessAsync"/> on <c>EfChatKitStore</c> over a real SQLite file: the newest threads saved
/// through the store, so each row holds its client JSON and a stamp that vouches for it (<see cref="Vouched"/>), or with
/// every stamp cleared, so each thread is read from its columns and serialized again (what every list did before decision
/// 0020's threads part; the ratio of the two is the change).
/// </summary>
[MemoryDiagnoser]
public class ThreadsListBenchmarks
{
    private StoreFixture _fixture = null!;
    private ChatKitEngine _engine = null!;
    private readonly ThreadsListRequest _request = new() { Params = new() { Limit = 20, Order = SortOrder.Desc } };

    [Params(true, false)]
    public bool Vouched { get; set; }

    private sealed class NoAnswers : IChatKitResponder
    {
        public IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, CancellationToken cancellationToken) =>
            AsyncEnumerable.Empty<ThreadStreamEvent>();
    }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = StoreFixture.CreateAsync(StoreKind.EfSqlite, withItems: false).GetAwaiter().GetResult();
        var newest = DateTimeOffset.UtcNow;
        for (var i = 0; i < 25; i++)
        {
            var thread = new ThreadMetadata { Id = $"thr_listed_{i:x14}", Title = $"Listed thread {i}: {SampleData.Prose(40)}", CreatedAt = newest.AddSeconds(i) };
            _fixture.Store.SaveThreadAsync(thread, StoreFixture.Context).GetAwaiter().GetResult();
        }
        if (!Vouched) _fixture.ExecuteSqlAsync("UPDATE chatkit_threads SET \"WireStamp\" = NULL").GetAwaiter().GetResult();
        _engine = new ChatKitEngine(_fixture.Store, new NoAnswers());
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.DisposeAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "threads.list 20 of 10,000 through the engine")]
    public async Task<int> ThreadsList() =>
        ((ChatKitJsonResponse)await _engine.ProcessAsync(_request, StoreFixture.Context)).Json.Length;
}
