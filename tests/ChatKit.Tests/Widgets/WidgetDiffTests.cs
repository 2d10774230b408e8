using System.Text.Json.Nodes;
using ChatKit.Widgets;

namespace ChatKit.Tests.Widgets;

public class WidgetDiffTests
{
    private static Card State(string text, bool streaming = true, string? id = "body", string title = "T", params WidgetComponent[] extra) => new()
    {
        Children = [new Title { Value = title }, new Markdown { Id = id, Value = text, Streaming = streaming }, .. extra],
    };

    [Test]
    public void Appended_text_of_a_component_with_an_id_becomes_deltas()
    {
        var updates = WidgetDiff.Diff(State("Hello"), State("Hello, wor"));
        var delta = updates.Should().ContainSingle().Which.Should().BeOfType<WidgetStreamingTextValueDelta>().Subject;
        (delta.ComponentId, delta.Delta, delta.Done).Should().Be(("body", ", wor", false));

        // Ending the stream flips the streaming flag: a prop change, so the whole root is sent (as the reference does).
        WidgetDiff.Diff(State("Hello, wor"), State("Hello, world", streaming: false)).Single().Should().BeOfType<WidgetRootUpdated>();

        // A component that does not say it is streaming gets deltas marked done.
        var quiet = (WidgetStreamingTextValueDelta)WidgetDiff.Diff(
            new Card { Children = [new Text { Id = "t", Value = "a" }] }, new Card { Children = [new Text { Id = "t", Value = "ab" }] }).Single();
        (quiet.Delta, quiet.Done).Should().Be(("b", true));
    }

    [Test]
    public void Nothing_changed_means_no_updates()
    {
        WidgetDiff.Diff(State("same"), State("same")).Should().BeEmpty();
    }

    [Test]
    public void Several_streaming_components_each_get_their_delta()
    {
        Card S(string a, string b) => new() { Children = [new Text { Id = "a", Value = a }, new Col { Children = [new Markdown { Id = "b", Value = b }] }] };

        var updates = WidgetDiff.Diff(S("x", "1"), S("xy", "12")).Cast<WidgetStreamingTextValueDelta>().ToList();

        updates.Select(u => (u.ComponentId, u.Delta)).Should().Equal(("a", "y"), ("b", "2"));
    }

    private static IEnumerable<TestCaseData> FullReplaceCases()
    {
        yield return new TestCaseData(State("Hello"), State("Goodbye")).SetName("text that does not extend the old one");
        yield return new TestCaseData(State("Hello"), State("Hello", title: "Other")).SetName("another prop changed");
        yield return new TestCaseData(State("Hello"), State("Hello", extra: new Divider())).SetName("a child added");
        yield return new TestCaseData(State("Hello", extra: new Divider()), State("Hello")).SetName("a child removed");
        yield return new TestCaseData(State("Hello"), State("Hello!", id: "other")).SetName("an id changed");
        yield return new TestCaseData(State("Hello", id: null), State("Hello!", id: null)).SetName("text without an id");
        yield return new TestCaseData(State("Hello", id: ""), State("Hello!", id: "")).SetName("text with an empty id");
        yield return new TestCaseData(new Card { Children = [] }, new ListView { Children = [] }).SetName("another root type");
        // Objects outside children are not components, even when they look like a Text with an id: no delta carries them.
        static JsonObject LikeText(string value) => new() { ["type"] = "Text", ["id"] = "q", ["value"] = value };
        yield return new TestCaseData(
            new Card { Children = [new Button { Label = "Go", OnClickAction = ActionConfig.Create("go", LikeText("a")) }] },
            new Card { Children = [new Button { Label = "Go", OnClickAction = ActionConfig.Create("go", LikeText("ab")) }] }).SetName("an action payload shaped like a text");
        yield return new TestCaseData(
            new Card { Children = [new DynamicWidgetComponent("Fancy", new JsonObject { ["items"] = new JsonArray(LikeText("a")) })] },
            new Card { Children = [new DynamicWidgetComponent("Fancy", new JsonObject { ["items"] = new JsonArray(LikeText("ab")) })] }).SetName("a dynamic component's prop shaped like a text");
    }

    [TestCaseSource(nameof(FullReplaceCases))]
    public void Any_other_change_replaces_the_whole_root(WidgetRoot before, WidgetRoot after)
    {
        var updates = WidgetDiff.Diff(before, after);

        updates.Should().ContainSingle().Which.Should().BeOfType<WidgetRootUpdated>().Which.Widget.Should().BeSameAs(after);
    }

    [Test]
    public async Task Streaming_a_widget_announces_it_updates_it_and_saves_the_last_state()
    {
        var events = new List<ThreadStreamEvent>();
        await foreach (var ev in WidgetStreaming.StreamAsync("thr_1", States(), copyText: "copy"))
            events.Add(ev);

        events.Select(e => e.GetType()).Should().Equal(typeof(ThreadItemAddedEvent), typeof(ThreadItemUpdatedEvent), typeof(ThreadItemUpdatedEvent), typeof(ThreadItemUpdatedEvent), typeof(ThreadItemDoneEvent));
        var updates = events.OfType<ThreadItemUpdatedEvent>().Select(e => e.Update).ToList();
        updates[0].Should().BeOfType<WidgetStreamingTextValueDelta>().Which.Delta.Should().Be("lo");
        updates[1].Should().BeOfType<WidgetRootUpdated>("the streaming flag changed");
        updates[2].Should().BeOfType<WidgetRootUpdated>("the title changed");
        var done = (WidgetItem)((ThreadItemDoneEvent)events[^1]).Item;
        done.CopyText.Should().Be("copy");
        ((Markdown)((Card)done.Widget).Children[1]).Value.Should().Be("Hello!");
        done.Id.Should().Be(((ThreadItemAddedEvent)events[0]).Item.Id);

        static async IAsyncEnumerable<WidgetRoot> States()
        {
            await Task.Yield();
            yield return State("Hel");
            yield return State("Hello");
            yield return State("Hello!", streaming: false);
            yield return State("Hello!", streaming: false, title: "Done");
        }
    }
}
