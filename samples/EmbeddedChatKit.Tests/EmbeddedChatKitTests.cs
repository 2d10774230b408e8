using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Client;
using ChatKit.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace EmbeddedChatKit.Tests;

/// <summary>
/// An app of its own that added ChatKit in a few lines (samples/EmbeddedChatKit), tested through HTTP with the
/// ChatKit.Testing package: the kit hosts the app, answers from a script in place of the app's model and signs
/// users in with its own tokens, next to the app's own authentication.
/// </summary>
public class EmbeddedChatKitTests
{
    private const string Script = """
        { "turns": [
          { "match": "weather", "reply": ["It is ", "sunny ", "in Paris."] },
          { "match": "fail", "error": { "message": "The model is down.", "retry": true } },
          { "match": "*", "reply": ["I have no script for that."] } ] }
        """;

    private ChatKitTestHost<Program> _host = null!;

    [SetUp]
    public void SetUp() => _host = new ChatKitTestHost<Program>(inlineScript: Script);

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task The_apps_responder_streams_the_scripted_models_answer_and_the_thread_is_kept()
    {
        var alice = _host.ClientFor("alice");

        var turn = await alice.CreateThreadAsync(ChatKitClient.Text("What's the weather?")).CollectAsync();

        turn.Should().HaveAssistantText("It is sunny in Paris.").And.HaveProgressUpdate("Asking the model...").And.NotHaveErrors();
        var items = await alice.ListItemsAsync(turn.ThreadId!, order: SortOrder.Asc);
        items.Data.Select(i => i.Kind).Should().Equal(ItemTypes.UserMessage, ItemTypes.AssistantMessage);
    }

    [Test]
    public async Task A_failing_model_reaches_the_user_as_an_error_they_may_retry()
    {
        var turn = await _host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("please fail")).CollectAsync();

        turn.Should().HaveError(allowRetry: true, message: "The model is down.");
    }

    [Test]
    public async Task Without_a_script_the_apps_own_model_answers()
    {
        using var host = new ChatKitTestHost<Program>();

        var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hello from the app")).CollectAsync();

        turn.Should().HaveAssistantText("HELLO FROM THE APP");
    }

    [Test]
    public async Task Each_user_sees_only_their_own_threads_whether_signed_in_by_the_kit_or_by_the_app()
    {
        var turn = await _host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("mine")).CollectAsync();
        var byTheApp = _host.CreateClient();
        byTheApp.DefaultRequestHeaders.Add("X-Sample-User", "alice"); // the app's own scheme still signs callers in

        (await new ChatKitClient(byTheApp).ListThreadsAsync()).Data.Select(t => t.Id).Should().Equal(turn.ThreadId);
        (await _host.ClientFor("bob").ListThreadsAsync()).Data.Should().BeEmpty();
        var read = () => _host.ClientFor("bob").GetThreadAsync(turn.ThreadId!);
        (await read.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404);
    }

    [Test]
    public async Task A_bad_request_gets_a_problem_body_and_an_anonymous_one_is_refused()
    {
        using var alice = _host.HttpClientFor("alice");
        using var response = await alice.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{"limit":"ten"}}""", Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().Contain("params.limit");

        using var anonymous = _host.CreateClient();
        using var refused = await anonymous.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{}}""", Encoding.UTF8, "application/json"));
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.GetStringAsync("/")).Should().Contain("An app of its own");
    }

    [Test]
    public async Task An_image_is_uploaded_to_its_signed_link_sent_and_previewed_by_its_owner_only()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];
        using var alice = _host.HttpClientFor("alice");
        using var created = await alice.PostAsync("/chatkit", Json("{\"type\":\"attachments.create\",\"params\":{\"name\":\"dot.png\",\"size\":" + png.Length + ",\"mime_type\":\"image/png\"}}"));
        var attachment = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = (string)attachment["id"]!;

        using var browser = _host.CreateClient(); // the web component sends the bytes to the signed link, without the app's credentials
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new("image/png");
        using var uploaded = await browser.PostAsync((string)attachment["upload_descriptor"]!["url"]!, new MultipartFormDataContent { { file, "file", "dot.png" } });
        uploaded.StatusCode.Should().Be(HttpStatusCode.OK);
        var turn = await _host.ClientFor("alice").StreamFramesAsync(new ThreadsCreateRequest
        {
            Params = new() { Input = new UserMessageInput { Content = [new UserMessageTextContent { Text = "What is this?" }], Attachments = [id] } },
        }).CollectAsync();

        turn.Should().NotHaveErrors();
        var sent = turn.Items<UserMessageItem>().Single().Attachments.Should().ContainSingle().Which.Should().BeOfType<ImageAttachment>().Subject;
        (await browser.GetByteArrayAsync(sent.PreviewUrl)).Should().Equal(png);
        using var bob = _host.HttpClientFor("bob");
        (await bob.GetAsync($"/chatkit/attachments/{id}/preview")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
