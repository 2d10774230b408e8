using ChatKit.Json;

namespace ChatKit.Tests.Json;

/// <summary>Helper members (Kind, IsHidden, Explanation, IsStreaming) must never reach the wire.</summary>
public class ComputedMembersTests
{
    [Test]
    public void Computed_members_are_not_serialized()
    {
        var json = string.Join("\n",
            ChatKitJson.Serialize<ThreadItem>(new SdkHiddenContextItem { Id = "shcx_1", ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch, Content = "x" }),
            ChatKitJson.Serialize<ThreadStatus>(new LockedStatus { Reason = "r" }),
            ChatKitJson.Serialize<Attachment>(new FileAttachment { Id = "atc_1", Name = "a.txt", MimeType = "text/plain" }),
            ChatKitJson.Serialize<ChatKitRequest>(new ThreadsDeleteRequest { Params = new ThreadIdParams { ThreadId = "thr_1" } }));

        json.Should().NotContainAny("\"kind\"", "\"is_hidden\"", "\"explanation\"", "\"is_streaming\"", "\"text\"");
    }
}
