using ChatKit;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>Automatic thread titles: from the model in the user's language, from the message offline, never over the user's title.</summary>
public class ThreadTitleTests
{
    [TestCase("en", "Pancake recipe")]
    [TestCase("fr", "Recette de crêpes")]
    public async Task The_model_titles_a_new_thread_in_the_user_s_language(string locale, string title)
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:AutoTitles"] = "true";
        using var factory = new ServerFactory(settings);
        using var client = factory.CreateChatKitClient();
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(locale);
        upstream.Enqueue(Reply.Text("Mix flour, eggs and milk.")).Enqueue(Reply.Text($"\"{title}\""));

        var stream = await client.StreamAsync(Create("How do I make pancakes?"));

        stream.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be(title);
        var titleRequest = upstream.Requests[1]["messages"]!.AsArray();
        titleRequest[0]!["content"]!.ToJsonString().Should().Contain($"locale is {locale}");
        titleRequest[1]!["content"]!.ToJsonString().Should().Contain("How do I make pancakes?");
        var thread = await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = stream.ThreadId }));
        thread["title"]!.GetValue<string>().Should().Be(title);

        upstream.Enqueue(Reply.Text("again"));
        var second = await client.StreamAsync(AddMessage(stream.ThreadId, "And waffles?"));
        second.Events.OfType<ThreadUpdatedEvent>().Should().BeEmpty("a titled thread keeps its title");
        upstream.Requests.Should().HaveCount(3);
    }

    [Test]
    public async Task Offline_titles_are_the_first_50_characters_of_the_message()
    {
        using var factory = new ServerFactory();
        using var client = factory.CreateChatKitClient();

        var longOne = await client.StreamAsync(Create("Tell me everything about the history of the Roman empire, please"));
        var shortOne = await client.StreamAsync(Create("Hi there"));

        longOne.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("Tell me everything about the history of the Roman...");
        shortOne.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("Hi there");
    }

    [Test]
    public async Task A_title_set_by_the_user_is_never_overwritten_even_while_the_answer_streams()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:AutoTitles"] = "true";
        using var factory = new ServerFactory(settings);
        using var client = factory.CreateChatKitClient();
        upstream.Enqueue(Reply.Text("slow", " answer", " here") with { Delay = TimeSpan.FromMilliseconds(300) });

        var streaming = client.StreamAsync(Create("question"));
        string? threadId = null;
        for (var i = 0; i < 50 && threadId is null; i++)
        {
            await Task.Delay(50);
            var list = await client.JsonAsync(Request("threads.list"));
            threadId = list["data"]!.AsArray().FirstOrDefault()?["id"]?.GetValue<string>();
        }
        await client.JsonAsync(Request("threads.update", new() { ["thread_id"] = threadId, ["title"] = "Mine" }));
        await streaming;

        var thread = await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = threadId }));
        thread["title"]!.GetValue<string>().Should().Be("Mine");
        upstream.Requests.Should().ContainSingle("no title was asked of the model");
    }
}
