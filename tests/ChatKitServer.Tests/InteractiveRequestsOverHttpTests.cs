using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests;

/// <summary>Structured input and widget actions through HTTP with an integration's responder and action handler.</summary>
public class InteractiveRequestsOverHttpTests
{
    private ServerFactory _host = null!;
    private ChatKitClient _client = null!;
    private readonly TestResponder _responder = new();

    [SetUp]
    public void SetUp()
    {
        _host = new ServerFactory(services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton<IChatKitResponder>(_responder));
            s.AddSingleton<IChatKitActionHandler, CounterActions>();
        });
        _client = _host.ClientFor("alice");
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task A_structured_input_is_answered_replaced_saved_and_answered_again()
    {
        _responder.Script = (t, _, _) => Ask(t);
        var asked = await _client.CreateThreadAsync(ChatKitClient.Text("plan")).CollectAsync();
        var item = asked.Items<StructuredInputItem>().Single();

        _responder.Script = (t, _, _) => TestResponder.Text(t, "thanks");
        var answer = new StructuredInputSubmission { Answers = new() { ["color"] = new() { Values = ["red", "blue"] } } };
        var answered = await _client.StreamFramesAsync(new ThreadsAddStructuredInputRequest { Params = new() { ThreadId = asked.ThreadId!, ItemId = item.Id, Input = answer } }).CollectAsync();

        var replaced = answered.Events.OfType<ThreadItemReplacedEvent>().Single().Item.Should().BeOfType<StructuredInputItem>().Subject;
        replaced.Inputs[0].Answer!.Values.Should().Equal("red");
        replaced.Status.Should().Be(StructuredInputStatus.Answered);
        var items = await _client.ListItemsAsync(asked.ThreadId!, order: SortOrder.Asc);
        items.Data[1].Should().BeOfType<StructuredInputItem>().Which.Status.Should().Be(StructuredInputStatus.Answered);

        var again = () => _client.AddStructuredInputAsync(asked.ThreadId!, item.Id, new StructuredInputSubmission()).CollectAsync();
        (await again.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(409);
        SchemaValidator.AssertValid("ThreadStreamEvent", answered.Frames);

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
        var created = await _client.CreateThreadAsync(ChatKitClient.Text("count")).CollectAsync();
        var widget = created.Items<WidgetItem>().Single();

        var streamed = await _client.StreamFramesAsync(new ThreadsCustomActionRequest
        {
            Params = new() { ThreadId = created.ThreadId!, ItemId = widget.Id, Action = new() { Type = "counter.add", Payload = new JsonObject { ["By"] = 2 } } },
        }).CollectAsync();
        streamed.Events[0].Should().BeOfType<StreamOptionsEvent>();
        var replaced = (WidgetItem)streamed.Events.OfType<ThreadItemReplacedEvent>().Single().Item;
        ((Text)((Card)replaced.Widget).Children[0]).Value.Should().Be("2");

        var sync = await _client.SendRawAsync(new ThreadsSyncCustomActionRequest
        {
            Params = new() { ThreadId = created.ThreadId!, ItemId = widget.Id, Action = new() { Type = "counter.add", Payload = new JsonObject { ["By"] = 3 } } },
        });
        var synced = ChatKit.Json.ChatKitJson.Deserialize<SyncCustomActionResponse>(sync).UpdatedItem.Should().BeOfType<WidgetItem>().Subject;
        ((Text)((Card)synced.Widget).Children[0]).Value.Should().Be("5");

        var stored = (await _client.ListItemsAsync(created.ThreadId!, order: SortOrder.Asc)).Data.OfType<WidgetItem>().Single();
        ((Text)((Card)stored.Widget).Children[0]).Value.Should().Be("5");

        var assistant = created.Items<AssistantMessageItem>().Single();
        var wrongSender = await _client.CustomActionAsync(created.ThreadId!, assistant.Id, new ChatKitAction { Type = "counter.add" }).CollectAsync();
        wrongSender.Events.Should().ContainSingle().Which.Should().BeOfType<ErrorEvent>();
        SchemaValidator.AssertValid([.. streamed.Frames.Select(f => ("ThreadStreamEvent", f)), ("SyncCustomActionResponse", sync)]);

        static async IAsyncEnumerable<ThreadStreamEvent> Counter(ThreadMetadata t)
        {
            await foreach (var ev in TestResponder.Text(t, "Here is a counter")) yield return ev;
            yield return WidgetStreaming.Static(t.Id, CounterActions.Render(0));
        }
    }

    [Test]
    public async Task An_empty_item_id_names_no_sender_as_in_the_reference()
    {
        // The reference reads the sender only `if request.params.item_id:`, so "" is an action sent by no widget.
        var thread = (await _client.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;

        var streamed = await _client.StreamFramesAsync(new ThreadsCustomActionRequest
        {
            Params = new() { ThreadId = thread, ItemId = "", Action = new() { Type = "counter.add" } },
        }).CollectAsync();
        var sync = await _client.SyncCustomActionAsync(thread, "", new ChatKitAction { Type = "counter.add" });

        streamed.Frames.Select(f => (string)JsonNode.Parse(f)!["type"]!).Should().Equal("stream_options", "progress_update");
        streamed.Events.OfType<ProgressUpdateEvent>().Single().Text.Should().Be("counter.add from no widget");
        sync.UpdatedItem.Should().BeNull();
        SchemaValidator.AssertValid("ThreadStreamEvent", streamed.Frames);
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
            if (sender is null)
            {
                yield return new ProgressUpdateEvent { Text = $"{action.Type} from no widget" };
                yield break;
            }
            yield return new ThreadItemReplacedEvent { Item = Add(sender, action) };
        }

        public Task<SyncCustomActionResponse> ActSyncAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new SyncCustomActionResponse { UpdatedItem = sender is null ? null : Add(sender, action) });
    }
}
