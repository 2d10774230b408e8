using System.Net;
using System.Text;
using ChatKit;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests;

/// <summary>
/// What the shipped test kit (ChatKit.Testing, ChatKit.Client) offers beyond what the other tests use every day:
/// the services hook, hosts that share a database and keys, and a client that never reads a wrong answer as empty.
/// </summary>
public class TestKitTests
{
    [Test]
    public async Task Services_replaced_through_the_hook_keep_ClientFor_and_TokenFor()
    {
        var responder = new TestResponder { Script = (t, _, _) => TestResponder.Text(t, "from the replaced responder") };
        using var host = new ChatKitTestHost<Program>().ConfigureServices(s => s.Replace(ServiceDescriptor.Singleton<IChatKitResponder>(responder)));

        var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync();

        turn.Should().HaveAssistantText("from the replaced responder ").And.NotHaveErrors();
        responder.Calls.Should().Be(1);
        var late = () => host.ConfigureServices(_ => { });
        late.Should().Throw<InvalidOperationException>("services are configured before the host starts").WithMessage("*before*");
    }

    [Test]
    public async Task ClientFor_calls_the_apps_ChatKit_path()
    {
        // An app that maps ChatKit elsewhere (app.MapChatKit("/api/chat")) had no way to get ClientFor's clients: they called chatkit.
        using var host = new ChatKitTestHost<Program> { ChatKitPath = "/chatkit" };
        using var elsewhere = new ChatKitTestHost<Program> { ChatKitPath = "api/chat" };

        (await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync()).Should().NotHaveErrors();
        host.AdminClient().Path.Should().Be("/chatkit");
        var refused = () => elsewhere.ClientFor("alice").ListThreadsAsync();
        (await refused.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404, "the client went where it was told");
    }

    [Test]
    public async Task An_app_trusting_an_identity_provider_accepts_the_kits_tokens_without_calling_it()
    {
        // An unreachable authority: were its metadata fetched, every request would fail.
        using var host = new ChatKitTestHost<Program>(settings: new Dictionary<string, string?>
        {
            ["Auth:Jwt:Authority"] = "https://idp.invalid/",
            ["Auth:Jwt:SigningKey"] = null,
            ["Auth:Jwt:Issuer"] = null,
        });

        var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync();

        turn.Should().NotHaveErrors();
        (await host.ClientFor("alice").ListThreadsAsync()).Data.Select(t => t.Id).Should().Equal(turn.ThreadId);
        using var forged = host.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", host.CreateToken(new Dictionary<string, object> { ["sub"] = "alice" }, signingKey: new string('k', 32)));
        (await forged.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest()))).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the app's rules still hold");
    }

    [Test]
    public async Task A_second_host_given_the_first_ones_settings_shares_its_database_and_its_token_key()
    {
        using var first = new ChatKitTestHost<Program>();
        var thread = (await first.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;

        using var second = new ChatKitTestHost<Program>(settings: first.Settings);
        var aliceOnSecond = new ChatKitClient(second.CreateClient());
        aliceOnSecond.Http.DefaultRequestHeaders.Authorization = new("Bearer", first.TokenFor("alice"));

        (await aliceOnSecond.GetThreadAsync(thread)).Items.Data.Should().HaveCount(2, "the second host reads the first one's database and accepts its tokens");
        second.ConnectionString.Should().Be(first.ConnectionString);
    }

    [Test]
    public async Task Refused_tokens_are_minted_as_asked()
    {
        using var host = new ChatKitTestHost<Program>();
        var claims = new Dictionary<string, object> { ["sub"] = "alice" };
        async Task<HttpStatusCode> StatusWith(string token)
        {
            using var http = host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            using var response = await http.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest()));
            return response.StatusCode;
        }

        (await StatusWith(host.CreateToken(claims))).Should().Be(HttpStatusCode.OK);
        (await StatusWith(host.CreateToken(claims, expires: DateTime.UtcNow.AddMinutes(-5)))).Should().Be(HttpStatusCode.Unauthorized);
        (await StatusWith(host.CreateToken(claims, audience: "another"))).Should().Be(HttpStatusCode.Unauthorized);
        (await StatusWith(host.CreateToken(claims, issuer: "https://another.test"))).Should().Be(HttpStatusCode.Unauthorized);
        (await StatusWith(host.CreateToken(claims, signingKey: "another-key-that-is-also-long-enough-for-hs256"))).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_success_that_is_not_the_protocol_s_content_type_is_an_error_not_an_empty_answer()
    {
        using var html = new HttpClient(new Answering("text/html", "<html>a proxy's page</html>")) { BaseAddress = new Uri("http://chat.test") };
        var delete = () => new ChatKitClient(html).DeleteThreadAsync("thr_1"); // its answer is not read: it used to pass as done
        (await delete.Should().ThrowAsync<InvalidDataException>()).WithMessage("*threads.delete*text/html*application/json*");

        using var json = new HttpClient(new Answering("application/json", "{}")) { BaseAddress = new Uri("http://chat.test") };
        var stream = () => new ChatKitClient(json).CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync(); // it used to read as an empty turn
        (await stream.Should().ThrowAsync<InvalidDataException>()).WithMessage("*threads.create*application/json*text/event-stream*");
    }

    /// <summary>Answers every request with 200 and this body.</summary>
    private sealed class Answering(string mediaType, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, mediaType) });
    }
}
