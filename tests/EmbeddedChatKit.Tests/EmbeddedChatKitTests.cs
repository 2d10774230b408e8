using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Client;
using FluentAssertions;
using Microsoft.AspNetCore.Mvc.Testing;
using NUnit.Framework;

namespace EmbeddedChatKit.Tests;

/// <summary>An app of its own that added ChatKit in a few lines (samples/EmbeddedChatKit): the protocol works through it.</summary>
public class EmbeddedChatKitTests
{
    private WebApplicationFactory<Program> _app = null!;

    [SetUp]
    public void SetUp() => _app = new WebApplicationFactory<Program>();

    [TearDown]
    public void TearDown() => _app.Dispose();

    private ChatKitClient ClientFor(string user)
    {
        var http = _app.CreateClient();
        http.DefaultRequestHeaders.Add("X-Sample-User", user);
        return new ChatKitClient(http);
    }

    [Test]
    public async Task The_apps_own_responder_answers_and_the_thread_is_kept()
    {
        var alice = ClientFor("alice");

        var turn = await alice.CreateThreadAsync(ChatKitClient.Text("hello from the app")).CollectAsync();

        turn.AssistantText.Should().Be("HELLO FROM THE APP");
        turn.ProgressUpdates.Should().Equal("Turning up the volume…");
        var threads = await alice.ListThreadsAsync();
        threads.Data.Select(t => t.Id).Should().Equal(turn.ThreadId);
        var items = await alice.ListItemsAsync(turn.ThreadId!, order: SortOrder.Asc);
        items.Data.Select(i => i.Kind).Should().Equal(ItemTypes.UserMessage, ItemTypes.AssistantMessage);
    }

    [Test]
    public async Task Each_user_sees_only_their_own_threads()
    {
        var turn = await ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("mine")).CollectAsync();

        (await ClientFor("bob").ListThreadsAsync()).Data.Should().BeEmpty();
        var read = () => ClientFor("bob").GetThreadAsync(turn.ThreadId!);
        (await read.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404);
    }

    [Test]
    public async Task Without_an_exception_handler_in_the_app_bad_requests_still_get_a_problem_body()
    {
        using var http = _app.CreateClient();
        http.DefaultRequestHeaders.Add("X-Sample-User", "alice");

        using var response = await http.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{"limit":"ten"}}""", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().Contain("params.limit");
    }

    [Test]
    public async Task The_apps_authorization_guards_the_endpoint()
    {
        using var anonymous = _app.CreateClient();

        using var response = await anonymous.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{}}""", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.GetStringAsync("/")).Should().Contain("An app of its own");
    }
}
