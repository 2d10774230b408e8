using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>What a huge request costs: the newest message reaches the model cut to the history budget (with a localized notice), and a body's buffer grows with the bytes that arrive, not with what it declares.</summary>
public class LongMessageTests
{
    [TestCase("en", "Your message has", "characters; only its first")]
    [TestCase("fr", "Votre message compte", "caractères ; seuls les")]
    [TestCase("de", "Ihre Nachricht hat", "Zeichen; nur die ersten")]
    [TestCase("es", "Su mensaje tiene", "caracteres; solo los primeros")]
    public async Task A_message_over_the_history_budget_reaches_the_model_cut_and_the_user_is_told(string locale, string opening, string middle)
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:HistoryBudgetChars"] = "1000";
        using var factory = new ServerFactory(settings);
        var client = factory.ClientFor("alice");
        client.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(locale));
        upstream.Enqueue(Reply.Text("Short answer."));

        var turn = await client.CreateThreadAsync(ChatKitClient.Text(new string('x', 50_000) + "THE END")).CollectAsync();

        var sent = (string)upstream.Requests.Single()["messages"]!.AsArray().Last()!["content"]!.ToJsonString();
        sent.Length.Should().BeLessThan(1200, "the budget is 1,000 characters");
        sent.Should().NotContain("THE END").And.Contain("cut here: 50007 characters in all, only the first 1000 are shown");
        var notice = turn.Notices.Single();
        notice.Level.Should().Be(NoticeLevel.Warning);
        notice.Message.Should().StartWith(opening).And.Contain(middle);
        Regex.Replace(notice.Message, @"\D", "").Should().Be("500071000", "the lengths are in the text, with the locale's digit grouping");
        turn.Should().HaveAssistantText("Short answer.");
    }

    [Test]
    public async Task A_message_within_the_budget_goes_whole_without_a_notice()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:HistoryBudgetChars"] = "1000";
        using var factory = new ServerFactory(settings);
        var client = factory.ClientFor("alice");
        upstream.Enqueue(Reply.Text("Fine."));

        var turn = await client.CreateThreadAsync(ChatKitClient.Text(new string('y', 900))).CollectAsync();

        ((string)upstream.Requests.Single()["messages"]!.AsArray().Last()!["content"]!.ToJsonString()).Should().Contain(new string('y', 900));
        turn.Notices.Should().BeEmpty();
    }

    [Test]
    public async Task A_body_that_declares_10_MB_and_sends_1_KB_costs_about_1_KB()
    {
        using var factory = new ServerFactory();
        var body = factory.Services.GetRequiredService<ChatKitRequestBody>();
        var json = System.Text.Encoding.UTF8.GetBytes("{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"x\":\"" + new string('a', 1000) + "\"}}");
        async Task<long> AllocatedReadingAsync()
        {
            var http = new DefaultHttpContext();
            http.Request.ContentLength = 10 * 1024 * 1024; // the promise
            http.Request.Body = new MemoryStream(json); // what arrives
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var read = await body.ReadAsync(http.Request, CancellationToken.None);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            (read as IDisposable)?.Dispose();
            return allocated;
        }
        await AllocatedReadingAsync(); // the first read fills the pool

        var allocated = await AllocatedReadingAsync();

        allocated.Should().BeLessThan(256 * 1024, "the buffer grows with the 1 KB that arrived, not with the 10 MB declared");
    }
}
