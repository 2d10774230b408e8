using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.Tests.Json;

/// <summary>Stores keep what the wire leaves out on purpose (attachment metadata), and the wire still leaves it out.</summary>
public class StorageJsonTests
{
    private static UserMessageItem MessageWithAttachment() => new()
    {
        Id = "msg_1", ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch,
        Content = [new UserMessageTextContent { Text = "see file" }],
        Attachments = [new FileAttachment { Id = "atc_1", Name = "a.txt", MimeType = "text/plain", Metadata = new JsonObject { ["storage_key"] = "k/1" } }],
    };

    [Test]
    public void A_stored_user_message_keeps_its_attachments_metadata()
    {
        var stored = ChatKitStorageJson.Serialize<ThreadItem>(MessageWithAttachment());

        var read = (UserMessageItem)ChatKitStorageJson.Deserialize<ThreadItem>(stored);

        read.Attachments.Single().Metadata!["storage_key"]!.GetValue<string>().Should().Be("k/1");
        ((UserMessageItem)ChatKitStorageJson.Clone<ThreadItem>(MessageWithAttachment())).Attachments.Single().Metadata.Should().NotBeNull();
    }

    [Test]
    public void The_wire_never_shows_attachment_metadata()
    {
        ChatKitJson.Serialize<ThreadItem>(MessageWithAttachment()).Should().NotContain("metadata").And.NotContain("k/1");
        ChatKitJson.Serialize<Attachment>(MessageWithAttachment().Attachments[0]).Should().NotContain("metadata");
    }
}

/// <summary>Text goes on the wire as it is: no \u escapes for quotes, '+', apostrophes or letters outside ASCII.</summary>
public class PlainTextJsonTests
{
    private const string Text = "Un café à 3 € + \"deux\" l'après-midi, 東京";

    [Test]
    public void Items_and_events_write_text_as_it_is()
    {
        var item = new AssistantMessageItem { Id = "msg_1", ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch, Content = [new AssistantMessageContent { Text = Text }] };

        var json = ChatKitJson.Serialize<ThreadStreamEvent>(new ThreadItemDoneEvent { Item = item });

        json.Should().Contain("Un café à 3 € + \\\"deux\\\" l'après-midi, 東京").And.NotContain("\\u");
        ChatKitJson.Deserialize<ThreadStreamEvent>(json).Should().BeOfType<ThreadItemDoneEvent>()
            .Which.Item.Should().BeOfType<AssistantMessageItem>().Which.Text.Should().Be(Text);
    }

    [Test]
    public void A_writer_made_with_the_writer_options_escapes_the_same()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, ChatKitJson.WriterOptions))
            System.Text.Json.JsonSerializer.Serialize(writer, new ProgressUpdateEvent { Text = Text }, ChatKitJson.Context.ThreadStreamEvent);

        System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Contain("café").And.NotContain("\\u");
    }
}
