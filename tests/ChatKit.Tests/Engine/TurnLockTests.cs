using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace ChatKit.Tests.Engine;

/// <summary>The engine's turn lock: injected, taken once per turn, and the thread read after it is held.</summary>
public class TurnLockTests
{
    private EngineHarness _h = null!;
    private RecordingTurnLock _lock = null!;

    [SetUp]
    public void SetUp()
    {
        _h = new EngineHarness();
        _lock = new RecordingTurnLock(_h);
        _h.TurnLock = _lock;
    }

    private static string Req(string type, JsonObject @params) =>
        new JsonObject { ["type"] = type, ["params"] = @params }.ToJsonString();

    [Test]
    public async Task Every_kind_of_turn_takes_the_injected_lock_once_and_holds_it_until_its_last_item_is_saved()
    {
        _h.Actions = new ProgressAction();
        _h.Responder.Script = (t, _, _) => AskClient(t);
        var created = await _h.StreamAsync(EngineHarness.Create("where am I?"));
        var id = created.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "answer");

        string[] turns =
        [
            Req("threads.add_client_tool_output", new() { ["thread_id"] = id, ["result"] = "Paris" }),
            EngineHarness.AddMessage(id, "again"),
            Req("threads.custom_action", new() { ["thread_id"] = id, ["action"] = new JsonObject { ["type"] = "refresh" } }),
        ];
        foreach (var turn in turns) await _h.StreamAsync(turn);
        var question = (await _h.ItemsAsync(id)).OfType<UserMessageItem>().Last();
        await _h.StreamAsync(Req("threads.retry_after_item", new() { ["thread_id"] = id, ["item_id"] = question.Id }));

        _lock.Acquired.Should().Equal(Enumerable.Repeat(id, 5), "create, tool output, message, action and retry: one acquisition each, for the thread");
        _lock.Releases.Should().HaveCount(5);
        _lock.Releases[^1].Should().Be((await _h.ItemsAsync(id)).Count, "nothing is written after the lock is let go");
        _lock.Releases.Should().Equal([2, 3, 5, 5, 5]);
    }

    [Test]
    public async Task Pre_stream_errors_answer_before_any_lock_is_taken()
    {
        var missing = () => _h.SendAsync(EngineHarness.AddMessage("thr_missing", "hi"));
        await missing.Should().ThrowAsync<ChatKitNotFoundException>();
        var id = await _h.NewThreadAsync();
        var noCall = () => _h.SendAsync(Req("threads.add_client_tool_output", new() { ["thread_id"] = id, ["result"] = 1 }));
        await noCall.Should().ThrowAsync<ChatKitConflictException>();
        var noItem = () => _h.SendAsync(Req("threads.retry_after_item", new() { ["thread_id"] = id, ["item_id"] = "msg_missing" }));
        await noItem.Should().ThrowAsync<ChatKitNotFoundException>();

        _lock.Acquired.Should().Equal([id], "only the creation of the thread took the lock");
    }

    [Test]
    public async Task A_turn_that_waited_starts_from_the_title_the_turn_before_it_set()
    {
        var id = await _h.NewThreadAsync();
        var first = new TurnGate();
        string? seenBySecond = "(not called)";
        _h.Responder.Script = (t, input, _) => input!.Text == "first"
            ? first.Run(t, () => t.Title = "Set by the first turn")
            : Record(t, () => seenBySecond = t.Title);

        var (a, b) = await RunQueuedAsync(id, first);
        await Task.WhenAll(a, b);

        seenBySecond.Should().Be("Set by the first turn", "the second turn read the thread after the first one let go");
        (await _h.Store.LoadThreadAsync(id, _h.Context)).Title.Should().Be("Set by the first turn");
        (await b).OfType<ThreadUpdatedEvent>().Should().BeEmpty("the second turn changed nothing");
    }

    [Test]
    public async Task A_turn_that_waited_is_refused_when_the_turn_before_it_locked_the_thread()
    {
        var id = await _h.NewThreadAsync();
        var first = new TurnGate();
        _h.Responder.Script = (t, input, _) => input!.Text == "first"
            ? first.Run(t, () => t.Status = new LockedStatus { Reason = "Closed by the first turn" })
            : ScriptedResponder.Text(t, "must not answer");

        var (a, b) = await RunQueuedAsync(id, first);
        await a;
        var refused = await b;

        refused.Should().ContainSingle().Which.Should().BeOfType<ErrorEvent>().Which.Message.Should().Be("Closed by the first turn");
        (await _h.ItemsAsync(id)).OfType<UserMessageItem>().Select(u => u.Text).Should().Equal("hello", "first");
    }

    [Test]
    public async Task A_message_sent_the_moment_thread_created_arrives_waits_for_the_first_turn()
    {
        var first = new TurnGate();
        _h.Responder.Script = (t, input, _) => input!.Text == "first" ? first.Run(t, () => { }) : ScriptedResponder.Text(t, "second answer");
        var created = (ChatKitStreamResponse)await _h.SendAsync(EngineHarness.Create("first"));
        await using var events = created.Events.GetAsyncEnumerator();
        (await events.MoveNextAsync()).Should().BeTrue();
        var id = events.Current.Should().BeOfType<ThreadCreatedEvent>().Subject.Thread.Id;

        // The client has the id and has not read further: the first turn has not started its message yet.
        var second = _h.StreamAsync(EngineHarness.AddMessage(id, "second"));
        await _lock.WaitForWaitersAsync(1);
        second.IsCompleted.Should().BeFalse("the first turn took the thread's lock before its id went out");
        first.Finish.SetResult();
        while (await events.MoveNextAsync()) { }
        await second.WaitAsync(TimeSpan.FromSeconds(10));

        (await _h.ItemsAsync(id)).OfType<UserMessageItem>().Select(u => u.Text).Should().Equal(["first", "second"], "the messages run in the order they were sent");
    }

    /// <summary>Starts "first", waits until it runs, starts "second" and waits until it queues for the lock, then lets "first" finish.</summary>
    private async Task<(Task<List<ThreadStreamEvent>> First, Task<List<ThreadStreamEvent>> Second)> RunQueuedAsync(string id, TurnGate first)
    {
        var a = _h.StreamAsync(EngineHarness.AddMessage(id, "first"));
        await first.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var b = _h.StreamAsync(EngineHarness.AddMessage(id, "second"));
        await _lock.WaitForWaitersAsync(1);
        first.Finish.SetResult();
        return (a, b);
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Record(ThreadMetadata t, Action record)
    {
        record();
        await foreach (var ev in ScriptedResponder.Text(t, "second answer")) yield return ev;
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> AskClient(ThreadMetadata t)
    {
        await Task.Yield();
        yield return new ThreadItemDoneEvent
        {
            Item = new ClientToolCallItem { Id = ChatKitIds.ToolCall(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), CallId = "call_1", Name = "get_location", Arguments = [] },
        };
    }

    /// <summary>A responder turn that changes the thread, then waits for the test before it answers.</summary>
    private sealed class TurnGate
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<ThreadStreamEvent> Run(ThreadMetadata t, Action change)
        {
            change();
            Started.SetResult();
            await Finish.Task;
            await foreach (var ev in ScriptedResponder.Text(t, "first answer")) yield return ev;
        }
    }

    private sealed class ProgressAction : IChatKitActionHandler
    {
        public async IAsyncEnumerable<ThreadStreamEvent> ActAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return ResponderEvents.Progress("working");
        }

        public Task<SyncCustomActionResponse> ActSyncAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new SyncCustomActionResponse());
    }

    /// <summary>
    /// A turn lock (the in-process one underneath) that records each acquisition, how many turns wait,
    /// and how many items the thread had when each turn let go.
    /// </summary>
    private sealed class RecordingTurnLock(EngineHarness harness) : IChatKitTurnLock
    {
        private readonly InProcessTurnLock _inner = new();
        private int _waiting;

        public List<string> Acquired { get; } = [];
        public List<int> Releases { get; } = [];

        public async Task<IAsyncDisposable> AcquireAsync(string threadId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _waiting);
            IAsyncDisposable held;
            try
            {
                held = await _inner.AcquireAsync(threadId, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
            lock (Acquired) Acquired.Add(threadId);
            return new Release(async () =>
            {
                var items = await harness.ItemsAsync(threadId);
                lock (Releases) Releases.Add(items.Count);
                await held.DisposeAsync();
            });
        }

        public async Task WaitForWaitersAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref _waiting) < count)
            {
                if (DateTime.UtcNow > deadline) Assert.Fail($"no {count} turn(s) queued for the lock within 10 s");
                await Task.Delay(10);
            }
        }

        private sealed class Release(Func<Task> release) : IAsyncDisposable
        {
            public async ValueTask DisposeAsync() => await release();
        }
    }
}
