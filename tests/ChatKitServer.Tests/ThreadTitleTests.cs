using ChatKit;
using ChatKitServer.Tests.Support;
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
        var client = factory.ClientFor("alice");
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(locale);
        upstream.Enqueue(Reply.Text("Mix flour, eggs and milk.")).Enqueue(Reply.Text($"\"{title}\""));

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("How do I make pancakes?")).CollectAsync();

        turn.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be(title);
        var titleRequest = upstream.Requests[1]["messages"]!.AsArray();
        titleRequest[0]!["content"]!.ToJsonString().Should().Contain($"locale is {locale}");
        titleRequest[1]!["content"]!.ToJsonString().Should().Contain("How do I make pancakes?");
        (await client.GetThreadAsync(turn.ThreadId!)).Title.Should().Be(title);

        upstream.Enqueue(Reply.Text("again"));
        var second = await client.AddUserMessageAsync(turn.ThreadId!, ChatKitClient.Text("And waffles?")).CollectAsync();
        second.Events.OfType<ThreadUpdatedEvent>().Should().BeEmpty("a titled thread keeps its title");
        upstream.Requests.Should().HaveCount(3);
    }

    [Test]
    public async Task A_model_that_refuses_to_title_leaves_the_message_s_start_as_title_and_a_refused_answer_is_shown()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:AutoTitles"] = "true";
        using var factory = new ServerFactory(settings);
        var client = factory.ClientFor("alice");
        var refusal = new Reply { Deltas = [new() { ["role"] = "assistant", ["refusal"] = "" }, new() { ["refusal"] = "I can't help with that." }] };
        upstream.Enqueue(refusal).Enqueue(refusal);

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("Something odd")).CollectAsync();

        turn.Should().HaveAssistantText("I can't help with that.");
        turn.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("Something odd", "a refusal is no title");
    }

    [Test]
    public async Task Offline_titles_are_the_first_50_characters_of_the_message()
    {
        using var factory = new ServerFactory();
        var client = factory.ClientFor("alice");

        var longOne = await client.CreateThreadAsync(ChatKitClient.Text("Tell me everything about the history of the Roman empire, please")).CollectAsync();
        var shortOne = await client.CreateThreadAsync(ChatKitClient.Text("Hi there")).CollectAsync();

        longOne.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("Tell me everything about the history of the Roman...");
        shortOne.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("Hi there");
    }

    [TestCase(TestDatabase.Sqlite)]
    [TestCase(TestDatabase.PostgreSql)]
    public async Task An_offline_title_cut_inside_an_emoji_keeps_the_whole_emoji_out_rather_than_half_of_it(TestDatabase database)
    {
        using var factory = new ServerFactory(database: database);
        var client = factory.ClientFor("alice");
        var text = new string('a', 49) + "🎉 and a party after"; // the emoji's two UTF-16 halves at the 49th and 50th characters

        var turn = await client.CreateThreadAsync(ChatKitClient.Text(text)).CollectAsync();

        turn.Events.OfType<ErrorEvent>().Should().BeEmpty();
        var expected = new string('a', 49) + "...";
        turn.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be(expected);
        (await client.GetThreadAsync(turn.ThreadId!)).Title.Should().Be(expected, "stored as it was sent, no replacement character");
        (await client.SendRawAsync(new ThreadsListRequest { Params = new() })).Should().Contain($"\"title\":\"{expected}\"");
    }

    [Test]
    public async Task A_thread_whose_first_answer_is_a_client_tool_call_is_titled_by_that_turn()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:AutoTitles"] = "true";
        settings["Assistant:ClientTools:0:Name"] = "get_location";
        settings["Assistant:ClientTools:0:Description"] = "The user's current city";
        using var factory = new ServerFactory(settings);
        var client = factory.ClientFor("alice");
        upstream.Enqueue(Reply.ToolCall("call_loc", "get_location", "{}")).Enqueue(Reply.Text("Weather where you are")).Enqueue(Reply.Text("Sunny in Lyon."));

        var turn = await client.CreateThreadAsync(ChatKitClient.Text("What is the weather like here?")).CollectAsync();

        turn.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<ClientToolCallItem>().Should().ContainSingle();
        turn.Events.OfType<ThreadUpdatedEvent>().Last().Thread.Title.Should().Be("Weather where you are");
        upstream.Requests[1]["messages"]!.AsArray()[1]!["content"]!.ToJsonString().Should().Contain("What is the weather like here?");
        var resumed = await client.AddClientToolOutputAsync(turn.ThreadId!, new System.Text.Json.Nodes.JsonObject { ["city"] = "Lyon" }).CollectAsync();
        resumed.Events.OfType<ThreadUpdatedEvent>().Should().BeEmpty("the thread has its title");
        (await client.GetThreadAsync(turn.ThreadId!)).Title.Should().Be("Weather where you are");
    }

    [Test]
    public async Task A_title_set_by_the_user_is_never_overwritten_even_while_the_answer_streams()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var settings = upstream.Settings();
        settings["Assistant:AutoTitles"] = "true";
        using var factory = new ServerFactory(settings);
        var client = factory.ClientFor("alice");
        upstream.Enqueue(Reply.Text("slow", " answer", " here") with { Delay = TimeSpan.FromMilliseconds(300) });

        var streaming = client.CreateThreadAsync(ChatKitClient.Text("question")).CollectAsync();
        string? threadId = null;
        for (var i = 0; i < 50 && threadId is null; i++)
        {
            await Task.Delay(50);
            threadId = (await client.ListThreadsAsync()).Data.FirstOrDefault()?.Id;
        }
        threadId.Should().NotBeNull("the thread is saved while its answer streams");
        await client.UpdateThreadAsync(threadId!, "Mine");
        await streaming;

        (await client.GetThreadAsync(threadId!)).Title.Should().Be("Mine");
        upstream.Requests.Should().ContainSingle("no title was asked of the model");
    }
}
