using System.Net;
using System.Text;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKitServer.Tests;

/// <summary>
/// An app embedding ChatKit (AddChatKit + MapChatKit) without a store or a responder does not start, in Production too:
/// services are validated at build only in Development, so it started and answered every request with a 500 naming the
/// missing service. Real Kestrel on a loopback port, default service provider settings of the environment.
/// </summary>
public class MissingChatKitServicesTests
{
    [TestCase("store", "IChatKitStore", "AddInMemoryStore()")]
    [TestCase("responder", "IChatKitResponder", "AddResponder<TResponder>()")]
    public async Task An_app_in_production_missing_a_required_service_fails_to_start_naming_it(string left, string service, string howToAdd)
    {
        var (app, _) = Build(Environments.Production, chatKit =>
        {
            if (left != "store") chatKit.AddInMemoryStore();
            if (left != "responder") chatKit.AddResponder<TestResponder>();
        });
        await using (app)
        {
            var start = () => app.StartAsync();

            (await start.Should().ThrowAsync<InvalidOperationException>())
                .Which.Message.Should().Contain($"no {service} is registered").And.Contain(howToAdd);
        }
    }

    [Test]
    public async Task An_app_with_both_starts_and_answers()
    {
        var (app, url) = Build(Environments.Production, chatKit => chatKit.AddInMemoryStore().AddResponder<TestResponder>());
        await using (app)
        {
            await app.StartAsync();
            using var http = new HttpClient();
            using var response = await http.PostAsync(url() + "/chatkit",
                new StringContent("""{"type":"threads.list","params":{}}""", Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            await app.StopAsync();
        }
    }

    private static (WebApplication App, Func<string> Url) Build(string environment, Action<ChatKitBuilder> configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure(builder.Services.AddChatKit().AddContextFactory<Alice>());
        var app = builder.Build();
        app.MapChatKit("/chatkit");
        return (app, () => app.Urls.First());
    }

    private sealed class Alice : IChatKitContextFactory
    {
        public ChatKitContext Create(Microsoft.AspNetCore.Http.HttpContext http) => new() { UserId = "alice" };
    }
}
