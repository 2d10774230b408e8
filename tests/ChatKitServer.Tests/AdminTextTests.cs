using System.Net;
using ChatKit;
using ChatKitServer.Admin;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>The admin pages show the characters that reorder text (bidirectional overrides, embeddings, isolates) instead of obeying them.</summary>
public class AdminTextTests
{
    [TestCase("plain", "plain")]
    [TestCase("invoice\u202Efdp.exe", "invoice[U+202E]fdp.exe")]
    [TestCase("\u2066a\u2069 \u202Ab\u202C", "[U+2066]a[U+2069] [U+202A]b[U+202C]")]
    [TestCase("שלום \u200F עולם", "שלום \u200F עולם")] // a right-to-left mark reorders nothing around it: kept
    public void Reordering_characters_are_shown_by_their_code_point(string text, string shown) =>
        AdminText.Visible(text).Should().Be(shown);

    [Test]
    public async Task A_title_message_and_user_id_with_an_override_show_it_in_the_list_and_the_thread_page()
    {
        using var factory = new ServerFactory(inlineScript: """{ "turns": [ { "match": "*", "reply": ["ok"] } ] }""");
        var mallory = factory.ClientFor("mall\u202Eory");
        var turn = await mallory.CreateThreadAsync(ChatKitClient.Text("pay invoice\u202Efdp.exe")).CollectAsync();
        await mallory.UpdateThreadAsync(turn.ThreadId!, "Totally \u202Esafe");
        using var admin = factory.HttpClientFor("root", "admin");

        // Razor encodes the '+' too (&#x2B;); what a browser shows is the decoded text.
        var list = await admin.GetStringAsync("/admin");
        list.Should().NotContain("\u202E").And.NotContain("&#x202E;");
        WebUtility.HtmlDecode(list).Should().Contain("Totally [U+202E]safe").And.Contain("mall[U+202E]ory").And.NotContain("\u202E");
        using var page = await admin.GetAsync($"/admin/threads/{turn.ThreadId}");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        html.Should().NotContain("\u202E").And.NotContain("&#x202E;");
        WebUtility.HtmlDecode(html).Should().Contain("<h1 id=\"title\">Totally [U+202E]safe</h1>").And.Contain("pay invoice[U+202E]fdp.exe")
            .And.Contain("<title>Totally [U+202E]safe · ChatKitServer admin</title>").And.NotContain("\u202E");
    }
}
