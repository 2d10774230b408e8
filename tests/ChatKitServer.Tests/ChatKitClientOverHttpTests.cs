using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>The typed client against the running server over real HTTP (Kestrel on loopback), every request type.</summary>
public class ChatKitClientOverHttpTests
{
    [Test]
    public async Task Every_request_type_works_through_the_client()
    {
        using var host = new ServerFactory();
        var server = host.StartKestrel();
        var client = host.ClientFor("alice");
        client.Http.BaseAddress!.Authority.Should().Be(server.Authority, "the client goes through Kestrel on loopback");

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("help")).CollectAsync();
        turn.ThreadId.Should().StartWith("thr_");
        turn.Should().HaveAssistantTextContaining("help");
        turn.ProgressUpdates.Should().NotBeEmpty();
        turn.Widgets.Should().ContainSingle();
        var threadId = turn.ThreadId!;

        var second = await client.AddUserMessageAsync(threadId, ChatKitClient.Text("again")).CollectAsync();
        second.Should().NotHaveErrors();
        var user = second.Items<UserMessageItem>().Single();
        (await client.RetryAfterItemAsync(threadId, user.Id).CollectAsync()).Should().HaveAssistantTextContaining("again");

        (await client.GetThreadAsync(threadId)).Items.Data.Should().NotBeEmpty();
        (await client.ListThreadsAsync(limit: 5)).Data.Should().ContainSingle();
        (await client.UpdateThreadAsync(threadId, "Renamed")).Title.Should().Be("Renamed");
        var items = await client.ListItemsAsync(threadId, order: SortOrder.Asc);
        var answer = items.Data.OfType<AssistantMessageItem>().Last();
        await client.SendFeedbackAsync(threadId, [answer.Id], FeedbackKind.Positive);

        var attachment = await client.CreateAttachmentAsync("notes.txt", 5, "text/plain");
        await client.UploadAsync(attachment, new MemoryStream("hello"u8.ToArray()));
        (await client.AddUserMessageAsync(threadId, ChatKitClient.Text("see file", attachment.Id)).CollectAsync())
            .Items<UserMessageItem>().Single().Attachments.Single().ThreadId.Should().Be(threadId);
        var spare = await client.CreateAttachmentAsync("spare.txt", 3, "text/plain");
        await client.DeleteAttachmentAsync(spare.Id);

        var noTool = () => client.AddClientToolOutputAsync(threadId, new JsonObject()).CollectAsync();
        (await noTool.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(409);
        var notStructured = () => client.AddStructuredInputAsync(threadId, answer.Id, new StructuredInputSubmission()).CollectAsync();
        (await notStructured.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(400);
        var noHandler = () => client.CustomActionAsync(threadId, null, new ChatKitAction { Type = "x" }).CollectAsync();
        (await noHandler.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(400);
        var noSync = () => client.SyncCustomActionAsync(threadId, null, new ChatKitAction { Type = "x" });
        (await noSync.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(400);
        var noTranscriber = () => client.TranscribeAsync(new byte[] { 1, 2 }, "audio/webm");
        (await noTranscriber.Should().ThrowAsync<ChatKitClientException>()).Which.Detail.Should().Contain("transcribe");

        await client.DeleteThreadAsync(threadId);
        var gone = () => client.GetThreadAsync(threadId);
        (await gone.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404);
    }
}
