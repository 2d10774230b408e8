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
