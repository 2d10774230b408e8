using System.Runtime.CompilerServices;

namespace ChatKit.Tests.Engine;

/// <summary>
/// A protocol rule the engine owns for every responder: while a thread waits for the client (a client
/// tool call's output, a structured input's answers), a new message is not taken and the responder is
/// not asked; the user gets a notice instead.
/// </summary>
public class PendingInteractionTests
{
    private EngineHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new EngineHarness();

    private async Task<string> ThreadWaitingForAsync(Func<ThreadMetadata, ThreadItem> waiting)
    {
        _h.Responder.Script = (t, _, _) => Done(waiting(t));
        var created = await _h.StreamAsync(EngineHarness.Create("start"));
        return created.OfType<ThreadCreatedEvent>().Single().Thread.Id;
    }

    private static ClientToolCallItem PendingCall(ThreadMetadata t) => new()
    {
        Id = ChatKitIds.ToolCall(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), CallId = "call_1", Name = "get_location", Arguments = [],
    };

    private static StructuredInputItem PendingQuestion(ThreadMetadata t) => new()
    {
        Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(),
        Inputs = [new StructuredInputFreeform { Id = "q1", Question = "Which city?" }],
    };

    [Test]
    public async Task A_new_message_while_a_client_tool_call_waits_gets_a_notice_and_is_not_saved()
    {
        var threadId = await ThreadWaitingForAsync(PendingCall);
        var calls = _h.Responder.Calls.Count;

        var events = await _h.StreamAsync(EngineHarness.AddMessage(threadId, "never mind"));

        events.Select(e => e.GetType()).Should().Equal(typeof(StreamOptionsEvent), typeof(NoticeEvent));
        events.OfType<NoticeEvent>().Single().Message.Should().Be(new EnglishChatKitNotices().PendingInteraction(_h.Context));
        _h.Responder.Calls.Should().HaveCount(calls, "the responder is not asked while the thread waits for the client");
        (await _h.ItemsAsync(threadId)).Select(i => i.Kind).Should().Equal("user_message", "client_tool_call");
    }

    [Test]
    public async Task A_new_message_while_a_structured_input_waits_gets_a_notice_in_the_hosts_words()
    {
        var threadId = await ThreadWaitingForAsync(PendingQuestion);
        var engine = new ChatKitEngine(_h.Store, _h.Responder, notices: new FrenchNotices());

        var response = (ChatKitStreamResponse)await engine.ProcessAsync(ChatKitRequestParser.Parse(EngineHarness.AddMessage(threadId, "hello?")), _h.Context);
        var events = new List<ThreadStreamEvent>();
        await foreach (var ev in response.Events) events.Add(ev);

        events.OfType<NoticeEvent>().Single().Message.Should().Be("Répondez d'abord à la question en attente.");
        (await _h.ItemsAsync(threadId)).Select(i => i.Kind).Should().Equal("user_message", "structured_input");
    }

    [Test]
    public async Task Once_the_call_is_answered_new_messages_are_taken_again()
    {
        var threadId = await ThreadWaitingForAsync(PendingCall);
        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "thanks");
        await _h.StreamAsync("""{"type":"threads.add_client_tool_output","params":{"thread_id":""" + System.Text.Json.JsonSerializer.Serialize(threadId) + ""","result":{"city":"Paris"}}}""");

        var events = await _h.StreamAsync(EngineHarness.AddMessage(threadId, "and now?"));

        events.OfType<NoticeEvent>().Should().BeEmpty();
        events.OfType<ThreadItemDoneEvent>().Select(e => e.Item.Kind).Should().Equal("user_message", "assistant_message");
    }

    private sealed class FrenchNotices : IChatKitNotices
    {
        public string PendingInteraction(ChatKitContext context) => "Répondez d'abord à la question en attente.";
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Done(ThreadItem item, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        yield return new ThreadItemDoneEvent { Item = item };
    }
}
