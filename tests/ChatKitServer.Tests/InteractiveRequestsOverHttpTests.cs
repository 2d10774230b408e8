using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>Structured input and widget actions through HTTP with an integration's responder and action handler.</summary>
public class InteractiveRequestsOverHttpTests
{
    private ServerFactory _factory = null!;
    private ChatKitTestClient _client = null!;
    private readonly TestResponder _responder = new();

    [SetUp]
    public void SetUp()
    {
        _factory = new ServerFactory(services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton<IChatKitResponder>(_responder));
            s.AddSingleton<IChatKitActionHandler, CounterActions>();
        });
        _client = _factory.CreateChatKitClient();
    }

    [TearDown]
    public void TearDown()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Test]
    public async Task A_structured_input_is_answered_replaced_saved_and_answered_again()
    {
        _responder.Script = (t, _, _) => Ask(t);
        var asked = await _client.StreamAsync(Create("plan"));
        var item = asked.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<StructuredInputItem>().Single();

        _responder.Script = (t, _, _) => TestResponder.Text(t, "thanks");
        var answered = await _client.StreamAsync(Request("threads.add_structured_input", new()
        {
            ["thread_id"] = asked.ThreadId, ["item_id"] = item.Id,
            ["input"] = new JsonObject { ["answers"] = new JsonObject { ["color"] = new JsonObject { ["values"] = new JsonArray("red", "blue") } } },
        }));

        var replaced = answered.Events.OfType<ThreadItemReplacedEvent>().Single().Item.Should().BeOfType<StructuredInputItem>().Subject;
        replaced.Inputs[0].Answer!.Values.Should().Equal("red");
        replaced.Status.Should().Be(StructuredInputStatus.Answered);
        SchemaValidator.AssertValid("ThreadStreamEvent", answered.Frames);
        var items = await _client.JsonAsync(Request("items.list", new() { ["thread_id"] = asked.ThreadId, ["order"] = "asc" }));
        items["data"]![1]!["status"]!.GetValue<string>().Should().Be("answered");

        using var again = await _client.PostAsync(Request("threads.add_structured_input", new()
        {
            ["thread_id"] = asked.ThreadId, ["item_id"] = item.Id, ["input"] = new JsonObject { ["answers"] = new JsonObject() },
        }));
        again.StatusCode.Should().Be(HttpStatusCode.Conflict);

        static async IAsyncEnumerable<ThreadStreamEvent> Ask(ThreadMetadata t)
        {
            await Task.Yield();
            yield return new ThreadItemDoneEvent
            {
                Item = new StructuredInputItem
                {
                    Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = DateTimeOffset.UtcNow,
                    Inputs = [new StructuredInputMultipleChoice { Id = "color", Question = "Color?", Options = [new() { Value = "red" }, new() { Value = "blue" }] }],
                },
            };
        }
    }

    [Test]
    public async Task Widget_actions_stream_and_sync_actions_answer_json()
    {
        _responder.Script = (t, _, _) => Counter(t);
        var created = await _client.StreamAsync(Create("count"));
        var widget = created.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<WidgetItem>().Single();

        var streamed = await _client.StreamAsync(Request("threads.custom_action", new()
        {
            ["thread_id"] = created.ThreadId, ["item_id"] = widget.Id, ["action"] = new JsonObject { ["type"] = "counter.add", ["payload"] = new JsonObject { ["By"] = 2 } },
        }));
        streamed.Events[0].Should().BeOfType<StreamOptionsEvent>();
        var replaced = (WidgetItem)streamed.Events.OfType<ThreadItemReplacedEvent>().Single().Item;
        ((Text)((Card)replaced.Widget).Children[0]).Value.Should().Be("2");
        SchemaValidator.AssertValid("ThreadStreamEvent", streamed.Frames);

        var sync = await _client.JsonAsync(Request("threads.sync_custom_action", new()
        {
            ["thread_id"] = created.ThreadId, ["item_id"] = widget.Id, ["action"] = new JsonObject { ["type"] = "counter.add", ["payload"] = new JsonObject { ["By"] = 3 } },
        }));
        SchemaValidator.AssertValid("SyncCustomActionResponse", sync.ToJsonString());
        sync["updated_item"]!["widget"]!["children"]![0]!["value"]!.GetValue<string>().Should().Be("5");

        var stored = await _client.JsonAsync(Request("items.list", new() { ["thread_id"] = created.ThreadId, ["order"] = "asc" }));
        stored["data"]!.AsArray().Single(i => (string?)i!["type"] == "widget")!["widget"]!["children"]![0]!["value"]!.GetValue<string>().Should().Be("5");

        var assistant = created.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<AssistantMessageItem>().Single();
        var wrongSender = await _client.StreamAsync(Request("threads.custom_action", new()
        {
            ["thread_id"] = created.ThreadId, ["item_id"] = assistant.Id, ["action"] = new JsonObject { ["type"] = "counter.add" },
        }));
        wrongSender.Events.Should().ContainSingle().Which.Should().BeOfType<ErrorEvent>();

        static async IAsyncEnumerable<ThreadStreamEvent> Counter(ThreadMetadata t)
        {
            await foreach (var ev in TestResponder.Text(t, "Here is a counter")) yield return ev;
            yield return WidgetStreaming.Static(t.Id, CounterActions.Render(0));
        }
    }

    /// <summary>An integration's action handler: a counter widget.</summary>
    private sealed class CounterActions : IChatKitActionHandler
    {
        public static Card Render(int value) => new()
        {
            Children = [new Text { Value = value.ToString() }, new Button { Label = "+1", OnClickAction = ActionConfig.Create("counter.add", new JsonObject { ["By"] = 1 }) }],
        };

        private static WidgetItem Add(WidgetItem sender, ChatKitAction action)
        {
            var current = int.Parse(((Text)((Card)sender.Widget).Children[0]).Value);
            var by = action.Payload?["By"]?.GetValue<int>() ?? 1;
            sender.Widget = Render(current + by);
            return sender;
        }

        public async IAsyncEnumerable<ThreadStreamEvent> ActAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new ThreadItemReplacedEvent { Item = Add(sender!, action) };
        }

        public Task<SyncCustomActionResponse> ActSyncAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new SyncCustomActionResponse { UpdatedItem = Add(sender!, action) });
    }
}
