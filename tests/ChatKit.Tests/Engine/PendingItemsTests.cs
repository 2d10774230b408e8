namespace ChatKit.Tests.Engine;

/// <summary>
/// What a cancelled or failed stream saves comes from <see cref="PendingItems"/>: every announced, unfinished item with the
/// updates the client saw applied, whatever order the events of several items came in.
/// </summary>
public class PendingItemsTests
{
    private static AssistantMessageItem Message(string id) =>
        new() { Id = id, ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch, Content = [new AssistantMessageContent { Text = "" }] };

    private static ThreadItemUpdatedEvent Delta(string id, string text, int part = 0) =>
        new() { ItemId = id, Update = new AssistantMessageContentPartTextDelta { ContentIndex = part, Delta = text } };

    private static Dictionary<string, string> Texts(PendingItems pending) =>
        pending.NonEmptyAssistantMessages().ToDictionary(m => m.Id, m => string.Join("|", m.Content.Select(c => c.Text)));

    [Test]
    public void Interleaved_deltas_of_two_messages_each_reach_their_own_message()
    {
        var pending = new PendingItems();
        pending.Track(new ThreadItemAddedEvent { Item = Message("msg_a") });
        pending.Track(new ThreadItemAddedEvent { Item = Message("msg_b") });
        pending.Track(Delta("msg_a", "one "));
        pending.Track(Delta("msg_b", "uno "));
        pending.Track(Delta("msg_b", "dos"));
        pending.Track(Delta(new string("msg_a".ToCharArray()), "two")); // an equal id in another string instance

        Texts(pending).Should().BeEquivalentTo(new Dictionary<string, string> { ["msg_a"] = "one two", ["msg_b"] = "uno dos" });
    }

    [Test]
    public void A_part_replaced_mid_stream_keeps_the_replacement_and_the_deltas_after_it()
    {
        var pending = new PendingItems();
        pending.Track(new ThreadItemAddedEvent { Item = Message("msg_a") });
        pending.Track(Delta("msg_a", "draft"));
        pending.Track(Delta("msg_a", "second part", part: 1));
        pending.Track(new ThreadItemUpdatedEvent
        {
            ItemId = "msg_a",
            Update = new AssistantMessageContentPartDone { ContentIndex = 0, Content = new AssistantMessageContent { Text = "final" } },
        });
        pending.Track(Delta("msg_a", " and more"));
        pending.Track(Delta("msg_a", ", still", part: 1));

        Texts(pending).Should().Equal(new Dictionary<string, string> { ["msg_a"] = "final and more|second part, still" });
    }

    [Test]
    public void Finished_removed_and_unknown_items_are_not_pending()
    {
        var pending = new PendingItems();
        var a = Message("msg_a");
        pending.Track(new ThreadItemAddedEvent { Item = a });
        pending.Track(new ThreadItemAddedEvent { Item = Message("msg_b") });
        pending.Track(Delta("msg_a", "done text"));
        pending.Track(new ThreadItemDoneEvent { Item = a });
        pending.Track(Delta("msg_a", "after done")); // no longer pending: ignored
        pending.Track(Delta("msg_c", "never announced"));
        pending.Track(Delta("msg_b", "kept"));

        pending.Count.Should().Be(1);
        Texts(pending).Should().Equal(new Dictionary<string, string> { ["msg_b"] = "kept" });
        a.Content[0].Text.Should().BeEmpty("the responder's own instance is not the one tracked");

        pending.Track(new ThreadItemRemovedEvent { ItemId = "msg_b" });
        pending.Count.Should().Be(0);
    }
}
