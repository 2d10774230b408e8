using System.Runtime.CompilerServices;

namespace ChatKit.Tests.Engine;

public class CancellationTests
{
    private EngineHarness _h = null!;
    private string _threadId = null!;

    [SetUp]
    public async Task SetUp()
    {
        _h = new EngineHarness();
        _threadId = await _h.NewThreadAsync();
    }

    /// <summary>Streams until <paramref name="stopAfter"/> events arrived, then cancels the request token.</summary>
    private async Task<List<ThreadStreamEvent>> CancelAfterAsync(int stopAfter)
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<ThreadStreamEvent>();
        var response = (ChatKitStreamResponse)await _h.SendAsync(EngineHarness.AddMessage(_threadId, "go"), cts.Token);
        var act = async () =>
        {
            await foreach (var ev in response.Events.WithCancellation(cts.Token))
            {
                seen.Add(ev);
                if (seen.Count == stopAfter) cts.Cancel();
            }
        };
        await act.Should().ThrowAsync<OperationCanceledException>();
        return seen;
    }

    private async Task<List<ThreadItem>> NewItemsAsync() => (await _h.ItemsAsync(_threadId)).Skip(2).ToList();

    [Test]
    public async Task Cancelled_before_the_first_delta_saves_only_the_user_message_and_the_cancelled_note()
    {
        _h.Responder.Script = (t, _, ct) => Hang(t, [], ct);

        await CancelAfterAsync(stopAfter: 4); // user message, stream_options, added, content_part.added

        var items = await NewItemsAsync();
        items.Select(i => i.Kind).Should().Equal("user_message", "sdk_hidden_context");
        ((SdkHiddenContextItem)items[1]).Content.Should().Contain("cancelled");
    }

    [Test]
    public async Task A_stream_cut_by_the_server_stopping_saves_a_note_that_says_so_not_that_the_user_cancelled()
    {
        _h.Context = new ChatKitContext { UserId = _h.Context.UserId, Locale = "en", ServerStopping = new CancellationToken(canceled: true) };
        _h.Responder.Script = (t, _, ct) => Hang(t, ["Half an "], ct);

        await CancelAfterAsync(stopAfter: 5);

        var items = await NewItemsAsync();
        items.Select(i => i.Kind).Should().Equal("user_message", "assistant_message", "sdk_hidden_context");
        var note = ((SdkHiddenContextItem)items[2]).Content;
        note.Should().Be(new ChatKitEngineOptions().ShutdownNote).And.NotContain("user cancelled");
    }

    [Test]
    public async Task Cancelled_mid_text_saves_the_partial_message_with_the_deltas_applied()
    {
        _h.Responder.Script = (t, _, ct) => Hang(t, ["The answer ", "is"], ct);

        await CancelAfterAsync(stopAfter: 6);

        var items = await NewItemsAsync();
        items.Select(i => i.Kind).Should().Equal("user_message", "assistant_message", "sdk_hidden_context");
        ((AssistantMessageItem)items[1]).Text.Should().Be("The answer is");
    }

    [Test]
    public async Task A_long_answer_cancelled_late_is_saved_whole()
    {
        var chunks = Enumerable.Range(0, 20_000).Select(i => i % 10 == 9 ? "word. " : "word ").ToArray();
        _h.Responder.Script = (t, _, ct) => Hang(t, chunks, ct);

        await CancelAfterAsync(stopAfter: 4 + chunks.Length); // user message, stream_options, added, content_part.added, the deltas

        var saved = (AssistantMessageItem)(await NewItemsAsync())[1];
        saved.Text.Should().Be(string.Concat(chunks));
    }

    [Test]
    public async Task Cancelled_during_a_tool_saves_no_assistant_message_but_the_note()
    {
        _h.Responder.Script = (t, _, ct) => HangInTool(t, ct);

        await CancelAfterAsync(stopAfter: 5); // user, options, progress, workflow added, task added

        (await NewItemsAsync()).Select(i => i.Kind).Should().Equal("user_message", "sdk_hidden_context");
    }

    [Test]
    public async Task A_consumer_that_stops_reading_counts_as_a_cancel_and_the_next_turn_works()
    {
        _h.Responder.Script = (t, _, ct) => Hang(t, ["Half"], ct);
        var response = (ChatKitStreamResponse)await _h.SendAsync(EngineHarness.AddMessage(_threadId, "go"));
        var count = 0;
        await foreach (var _ in response.Events)
        {
            if (++count == 5) break; // the client went away after the first delta
        }

        (await NewItemsAsync()).Select(i => i.Kind).Should().Equal("user_message", "assistant_message", "sdk_hidden_context");

        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "fresh");
        var next = await _h.StreamAsync(EngineHarness.AddMessage(_threadId, "again"));
        next.OfType<ThreadItemDoneEvent>().Last().Item.Should().BeOfType<AssistantMessageItem>().Which.Text.Should().Be("fresh");
    }

    [Test]
    public async Task Cancellation_reaches_the_responder()
    {
        var observed = new TaskCompletionSource<bool>();
        _h.Responder.Script = (t, _, ct) => Observe(ct, observed);

        await CancelAfterAsync(stopAfter: 3);

        (await observed.Task.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();

        static async IAsyncEnumerable<ThreadStreamEvent> Observe([EnumeratorCancellation] CancellationToken ct, TaskCompletionSource<bool> observed)
        {
            yield return ResponderEvents.Progress("waiting for the model");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                observed.TrySetResult(ct.IsCancellationRequested);
            }
        }
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Hang(ThreadMetadata t, string[] chunks, [EnumeratorCancellation] CancellationToken ct)
    {
        var m = new AssistantMessageStream(t.Id);
        foreach (var ev in m.Begin()) yield return ev;
        foreach (var chunk in chunks) yield return m.Append(chunk);
        await Task.Delay(Timeout.Infinite, ct);
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> HangInTool(ThreadMetadata t, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return ResponderEvents.Progress("Searching…");
        var wf = new WorkflowStream(t.Id);
        yield return wf.Begin();
        yield return wf.AddTask(new CustomTask { Title = "search", StatusIndicator = TaskStatusIndicator.Loading }, out _);
        await Task.Delay(Timeout.Infinite, ct);
    }
}
