using System.Runtime.CompilerServices;
using ChatKit.Json;

namespace ChatKit.Tests.Engine;

public class StreamingTests
{
    private EngineHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new EngineHarness();

    [Test]
    public async Task Create_streams_thread_created_then_user_message_then_stream_options_then_the_answer()
    {
        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "Hel", "lo");

        var events = await _h.StreamAsync(EngineHarness.Create("hi"));

        events.Select(e => e.GetType().Name).Should().Equal(
            nameof(ThreadCreatedEvent), nameof(ThreadItemDoneEvent), nameof(StreamOptionsEvent),
            nameof(ThreadItemAddedEvent), nameof(ThreadItemUpdatedEvent), nameof(ThreadItemUpdatedEvent),
            nameof(ThreadItemUpdatedEvent), nameof(ThreadItemUpdatedEvent), nameof(ThreadItemDoneEvent));
        var created = (ThreadCreatedEvent)events[0];
        created.Thread.Items.Data.Should().BeEmpty();
        ((ThreadItemDoneEvent)events[1]).Item.Should().BeOfType<UserMessageItem>().Which.Text.Should().Be("hi");
        ((StreamOptionsEvent)events[2]).StreamOptions.AllowCancel.Should().BeTrue();

        var items = await _h.ItemsAsync(created.Thread.Id);
        items.Select(i => i.Kind).Should().Equal("user_message", "assistant_message");
        ((AssistantMessageItem)items[1]).Text.Should().Be("Hello");
        items.Should().OnlyContain(i => i.ThreadId == created.Thread.Id);
        items[0].Id.Should().StartWith("msg_");
        created.Thread.Id.Should().MatchRegex("^thr_[0-9a-f]+$");
    }

    [Test]
    public async Task Add_user_message_sends_stream_options_before_the_responders_events()
    {
        var id = await _h.NewThreadAsync();
        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "second");

        var events = await _h.StreamAsync(EngineHarness.AddMessage(id, "again"));

        events[0].Should().BeOfType<ThreadItemDoneEvent>().Which.Item.Should().BeOfType<UserMessageItem>();
        events[1].Should().BeOfType<StreamOptionsEvent>();
        events.Skip(2).Should().NotContain(e => e is StreamOptionsEvent);
        _h.Responder.Calls.Last().Input!.Text.Should().Be("again");
        (await _h.ItemsAsync(id)).Should().HaveCount(4);
    }

    [Test]
    public async Task Hidden_items_are_saved_but_never_sent()
    {
        _h.Responder.Script = Hidden;

        var events = await _h.StreamAsync(EngineHarness.Create("hi"));

        events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).Should().NotContain(i => i.IsHidden);
        events.OfType<ThreadItemAddedEvent>().Select(e => e.Item).Should().NotContain(i => i.IsHidden);
        var threadId = events.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        (await _h.ItemsAsync(threadId)).Select(i => i.Kind).Should().Equal("user_message", "hidden_context_item", "sdk_hidden_context");

        var listed = await _h.JsonAsync($$$"""{"type":"items.list","params":{"thread_id":"{{{threadId}}}"}}""");
        listed["data"]!.AsArray().Should().ContainSingle();
        var thread = await _h.JsonAsync($$$"""{"type":"threads.get_by_id","params":{"thread_id":"{{{threadId}}}"}}""");
        thread["items"]!["data"]!.AsArray().Should().ContainSingle();

        static async IAsyncEnumerable<ThreadStreamEvent> Hidden(ThreadMetadata t, UserMessageItem? _, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            yield return new ThreadItemDoneEvent { Item = new HiddenContextItem { Id = "msg_h1", ThreadId = t.Id, CreatedAt = DateTimeOffset.UtcNow, Content = "for the model" } };
            yield return new ThreadItemDoneEvent { Item = new SdkHiddenContextItem { Id = "shcx_1", ThreadId = t.Id, CreatedAt = DateTimeOffset.UtcNow, Content = "sdk note" } };
        }
    }

    [Test]
    public async Task Items_list_pages_are_full_pages_of_visible_items_when_hidden_items_sit_between_them()
    {
        var threadId = await _h.NewThreadAsync();
        for (var i = 0; i < 12; i++)
        {
            await _h.Store.AddThreadItemAsync(threadId, new HiddenContextItem { Id = $"msg_hidden{i}", ThreadId = threadId, CreatedAt = DateTimeOffset.UtcNow, Content = "usage" }, _h.Context);
            await _h.Store.AddThreadItemAsync(threadId, new AssistantMessageItem { Id = $"msg_shown{i}", ThreadId = threadId, CreatedAt = DateTimeOffset.UtcNow, Content = [new AssistantMessageContent { Text = $"answer {i}" }] }, _h.Context);
        }

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var cursor = after is null ? "" : $$$""","after":"{{{after}}}" """;
            var page = await _h.JsonAsync($$$"""{"type":"items.list","params":{"thread_id":"{{{threadId}}}","limit":5,"order":"asc"{{{cursor}}}}}""");
            var ids = page["data"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
            if (page["has_more"]!.GetValue<bool>()) ids.Should().HaveCount(5, "a page that says more follows is a full page");
            seen.AddRange(ids);
            after = page["has_more"]!.GetValue<bool>() ? (string?)page["after"] : null;
            pages++;
        } while (after is not null && pages < 20);

        seen.Should().HaveCount(14, "two items of the first turn and twelve answers").And.OnlyHaveUniqueItems();
        seen.Should().NotContain(id => id.StartsWith("msg_hidden"));
        seen.Skip(2).Should().Equal(Enumerable.Range(0, 12).Select(i => $"msg_shown{i}"));
    }

    [Test]
    public async Task Thread_updated_is_sent_and_saved_when_the_responder_changes_the_title()
    {
        _h.Responder.Script = Retitle;

        var events = await _h.StreamAsync(EngineHarness.Create("hi"));

        var updated = events.OfType<ThreadUpdatedEvent>().Should().ContainSingle().Subject;
        updated.Thread.Title.Should().Be("A title");
        events.IndexOf(updated).Should().Be(events.FindIndex(e => e is ProgressUpdateEvent) + 1, "the update follows the event after which the change was seen");
        var stored = await _h.Store.LoadThreadAsync(updated.Thread.Id, _h.Context);
        stored.Title.Should().Be("A title");

        static async IAsyncEnumerable<ThreadStreamEvent> Retitle(ThreadMetadata t, UserMessageItem? _, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            t.Title = "A title";
            yield return ResponderEvents.Progress("thinking");
            yield return ResponderEvents.Progress("still thinking");
        }
    }

    [Test]
    public async Task Thread_updated_for_status_and_metadata_changes_but_not_when_nothing_changed()
    {
        var id = await _h.NewThreadAsync();
        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "unchanged");
        (await _h.StreamAsync(EngineHarness.AddMessage(id, "x"))).Should().NotContain(e => e is ThreadUpdatedEvent);

        _h.Responder.Script = (t, _, _) => Lock(t);
        var events = await _h.StreamAsync(EngineHarness.AddMessage(id, "lock it"));
        events.OfType<ThreadUpdatedEvent>().Should().ContainSingle().Which.Thread.Status.Should().BeOfType<LockedStatus>();
        var stored = await _h.Store.LoadThreadAsync(id, _h.Context);
        stored.Metadata["Custom_Key"]!.GetValue<int>().Should().Be(1);
        stored.Status.Should().BeOfType<LockedStatus>().Which.Reason.Should().Be("done");

        static async IAsyncEnumerable<ThreadStreamEvent> Lock(ThreadMetadata t)
        {
            await Task.Yield();
            t.Metadata["Custom_Key"] = 1;
            t.Status = new LockedStatus { Reason = "done" };
            yield break;
        }
    }

    [Test]
    public async Task A_locked_or_closed_thread_refuses_new_messages_with_an_error_event()
    {
        var id = await _h.NewThreadAsync();
        var thread = await _h.Store.LoadThreadAsync(id, _h.Context);
        thread.Status = new ClosedStatus { Reason = "Archived by admin" };
        await _h.Store.SaveThreadAsync(thread, _h.Context);
        var before = await _h.ItemsAsync(id);

        var events = await _h.StreamAsync(EngineHarness.AddMessage(id, "anyone?"));

        var error = events.Should().ContainSingle().Which.Should().BeOfType<ErrorEvent>().Subject;
        error.Code.Should().Be("custom");
        error.Message.Should().Be("Archived by admin");
        error.AllowRetry.Should().BeFalse();
        (await _h.ItemsAsync(id)).Should().HaveCount(before.Count);
        _h.Responder.Calls.Should().HaveCount(1, "only the first turn reached the responder");
    }

    [Test]
    public async Task Errors_become_error_events_StreamError_CustomStreamError_and_others()
    {
        var id = await _h.NewThreadAsync();

        _h.Responder.Script = (_, _, _) => Throw(new StreamError());
        var e1 = (await _h.StreamAsync(EngineHarness.AddMessage(id, "a"))).Last().Should().BeOfType<ErrorEvent>().Subject;
        (e1.Code, e1.AllowRetry, e1.Message).Should().Be(("stream.error", true, (string?)null));

        _h.Responder.Script = (_, _, _) => Throw(new CustomStreamError("Quota exceeded", allowRetry: false));
        var e2 = (await _h.StreamAsync(EngineHarness.AddMessage(id, "b"))).Last().Should().BeOfType<ErrorEvent>().Subject;
        (e2.Code, e2.AllowRetry, e2.Message).Should().Be(("custom", false, "Quota exceeded"));

        _h.Responder.Script = (_, _, _) => Throw(new InvalidOperationException("boom"));
        var e3 = (await _h.StreamAsync(EngineHarness.AddMessage(id, "c"))).Last().Should().BeOfType<ErrorEvent>().Subject;
        (e3.Code, e3.AllowRetry).Should().Be(("stream.error", true));
        _h.Logger.Entries.Should().Contain(e => e.Exception != null && e.Exception.Message == "boom" && e.Level == Microsoft.Extensions.Logging.LogLevel.Error);

        static async IAsyncEnumerable<ThreadStreamEvent> Throw(Exception ex)
        {
            await Task.Yield();
            yield return ResponderEvents.Progress("working");
            throw ex;
        }
    }

    [Test]
    public async Task A_responder_that_throws_when_called_ends_the_stream_with_an_error_event_and_saves_no_cancelled_note()
    {
        // A responder need not be an iterator: one that checks its arguments (or builds a client) before returning its
        // stream throws from RespondAsync itself. That is a failure like any other, not a client that went away.
        var id = await _h.NewThreadAsync();
        _h.Responder.Script = (_, _, _) => throw new InvalidOperationException("no model configured");

        var events = await _h.StreamAsync(EngineHarness.AddMessage(id, "a"));

        var error = events.Last().Should().BeOfType<ErrorEvent>().Subject;
        (error.Code, error.AllowRetry).Should().Be(("stream.error", true));
        (await _h.ItemsAsync(id)).OfType<SdkHiddenContextItem>().Should().BeEmpty("the user cancelled nothing");
        _h.Logger.Entries.Should().Contain(e => e.Exception != null && e.Exception.Message == "no model configured" && e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Test]
    public async Task A_failure_mid_answer_saves_and_finishes_the_partial_text_before_the_error()
    {
        var id = await _h.NewThreadAsync();
        _h.Responder.Script = FailMidway;

        var events = await _h.StreamAsync(EngineHarness.AddMessage(id, "tell me"));

        events.Last().Should().BeOfType<ErrorEvent>();
        var done = events.OfType<ThreadItemDoneEvent>().Last().Item.Should().BeOfType<AssistantMessageItem>().Subject;
        done.Text.Should().Be("Partial ans");
        (await _h.ItemsAsync(id)).OfType<AssistantMessageItem>().Last().Text.Should().Be("Partial ans");

        static async IAsyncEnumerable<ThreadStreamEvent> FailMidway(ThreadMetadata t, UserMessageItem? _, [EnumeratorCancellation] CancellationToken ct)
        {
            var m = new AssistantMessageStream(t.Id);
            foreach (var ev in m.Begin()) yield return ev;
            yield return m.Append("Partial ");
            await Task.Yield();
            yield return m.Append("ans");
            throw new HttpRequestException("upstream dropped");
        }
    }

    [Test]
    public async Task Replaced_saves_and_removed_deletes()
    {
        var id = await _h.NewThreadAsync();
        var answer = (await _h.ItemsAsync(id)).OfType<AssistantMessageItem>().Single();
        _h.Responder.Script = (t, _, _) => ReplaceAndRemove(t, answer);

        await _h.StreamAsync(EngineHarness.AddMessage(id, "fix it"));

        var items = await _h.ItemsAsync(id);
        items.Should().NotContain(i => i.Id == answer.Id);
        items.OfType<EndOfTurnItem>().Should().ContainSingle();
        items.Last().Should().BeOfType<EndOfTurnItem>();

        static async IAsyncEnumerable<ThreadStreamEvent> ReplaceAndRemove(ThreadMetadata t, AssistantMessageItem old)
        {
            await Task.Yield();
            old.Content[0].Text = "rewritten";
            yield return new ThreadItemReplacedEvent { Item = old };
            yield return new ThreadItemRemovedEvent { ItemId = old.Id };
            yield return new ThreadItemDoneEvent { Item = new EndOfTurnItem { Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = DateTimeOffset.UtcNow } };
        }
    }

    [Test]
    public async Task Two_streams_on_one_thread_run_one_after_the_other()
    {
        var id = await _h.NewThreadAsync();
        _h.Responder.Script = (t, input, _) => Slow(t, input!.Text);

        await Task.WhenAll(_h.StreamAsync(EngineHarness.AddMessage(id, "one")), _h.StreamAsync(EngineHarness.AddMessage(id, "two")));

        var kinds = (await _h.ItemsAsync(id)).Skip(2).Select(i => i is UserMessageItem u ? "user:" + u.Text : "assistant:" + ((AssistantMessageItem)i).Text).ToList();
        kinds.Should().HaveCount(4);
        kinds[1].Should().Be("assistant:" + kinds[0]["user:".Length..], "each answer directly follows its own question");
        kinds[3].Should().Be("assistant:" + kinds[2]["user:".Length..]);

        static async IAsyncEnumerable<ThreadStreamEvent> Slow(ThreadMetadata t, string text)
        {
            await Task.Delay(30);
            await foreach (var ev in ScriptedResponder.Text(t, text)) yield return ev;
        }
    }
}
