using ChatKit.Widgets;

namespace ChatKit.Tests.Engine;

/// <summary>
/// Promises of the reference implementation (openai/chatkit-python) checked on the library's engine with the
/// in-memory store, whose ordering code is its own (the server's tests cover the EF Core store over HTTP).
/// </summary>
public class ReferenceParityEngineTests
{
    private EngineHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new EngineHarness();

    private static async IAsyncEnumerable<ThreadStreamEvent> Events(params ThreadStreamEvent[] events)
    {
        foreach (var ev in events)
        {
            await Task.Yield();
            yield return ev;
        }
    }

    private static WidgetItem Widget(ThreadMetadata thread, DateTimeOffset at) => new()
    {
        Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = at, Widget = new Card { Children = [new Text { Value = "w" }] },
    };

    private static List<string> FirstAppearance(IEnumerable<ThreadStreamEvent> events) =>
        events.Select(e => e switch { ThreadItemAddedEvent a => a.Item.Id, ThreadItemDoneEvent d => d.Item.Id, _ => null })
            .OfType<string>().Distinct().ToList();

    [Test]
    public async Task Stored_order_is_first_appearance_order_whatever_times_the_responder_gives()
    {
        _h.Responder.Script = (t, _, _) => OldWidgetsAroundAnOpenAnswer(t);
        var first = await _h.StreamAsync(EngineHarness.Create("one"));
        var id = first.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        var second = await _h.StreamAsync(EngineHarness.AddMessage(id, "two"));

        var streamed = FirstAppearance(first).Concat(FirstAppearance(second)).ToList();
        var kinds = first.Concat(second).OfType<ThreadItemDoneEvent>().ToDictionary(e => e.Item.Id, e => e.Item.Kind);
        string[] turn = ["user_message", "widget", "assistant_message", "widget"];
        streamed.Select(i => kinds[i]).Should().Equal([.. turn, .. turn]);
        (await _h.ItemsAsync(id)).Select(i => i.Id).Should().Equal(streamed);
        (await _h.Store.LoadThreadItemsAsync(id, null, 100, SortOrder.Desc, _h.Context)).Data.Select(i => i.Id).Should().Equal(Enumerable.Reverse(streamed));
        var times = first.Concat(second).OfType<ThreadItemDoneEvent>().ToDictionary(e => e.Item.Id, e => e.Item.CreatedAt);
        (await _h.ItemsAsync(id)).Should().OnlyContain(i => i.CreatedAt == times[i.Id], "what is stored has the time the stream showed");
    }

    /// <summary>A widget with a time from long ago first, then an answer left open while a widget built before it is sent.</summary>
    private static async IAsyncEnumerable<ThreadStreamEvent> OldWidgetsAroundAnOpenAnswer(ThreadMetadata thread)
    {
        await Task.Yield();
        yield return new ThreadItemDoneEvent { Item = Widget(thread, DateTimeOffset.UnixEpoch) };
        var answer = new AssistantMessageStream(thread.Id);
        var early = Widget(thread, ChatKitClock.Now().AddSeconds(-1));
        foreach (var ev in answer.Begin()) yield return ev;
        yield return new ThreadItemDoneEvent { Item = early };
        yield return answer.Append("text");
        foreach (var ev in answer.Complete()) yield return ev;
    }

    [Test]
    public async Task Image_domains_set_by_the_responder_are_saved_and_sent_as_thread_updated()
    {
        _h.Responder.Script = (t, _, _) =>
        {
            t.AllowedImageDomains = ["example.com", "images.example.com"];
            return Events();
        };

        var events = await _h.StreamAsync(EngineHarness.Create("hi"));

        events[^1].Should().BeOfType<ThreadUpdatedEvent>().Which.Thread.AllowedImageDomains.Should().Equal("example.com", "images.example.com");
        var id = events.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        (await _h.Store.LoadThreadAsync(id, _h.Context)).AllowedImageDomains.Should().Equal("example.com", "images.example.com");
    }
}
