using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>Disconnects, keep-alives and concurrency through the real pipeline.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class StreamLifecycleTests(TestDatabase database)
{
    [Test]
    public async Task A_client_that_disconnects_mid_stream_leaves_a_saved_partial_message_and_the_next_request_works()
    {
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, database: database);
        var client = factory.ClientFor("alice");
        var threadId = (await client.CreateThreadAsync(ChatKitClient.Text("first")).CollectAsync()).ThreadId!;
        responder.Script = (t, _, ct) => TestResponder.SlowThenHang(t, ["Partial ", "answer"], TimeSpan.FromMilliseconds(20), ct);

        var sawAnswer = false;
        await foreach (var ev in client.AddUserMessageAsync(threadId, ChatKitClient.Text("second")))
        {
            if (ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta { Delta: "answer" } })
            {
                sawAnswer = true;
                break; // the client goes away: leaving the stream closes the connection
            }
        }
        sawAnswer.Should().BeTrue("the stream showed \"answer\" before the client left");

        await responder.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var texts = await Eventually.WaitForAsync(async () =>
        {
            var items = await client.ListItemsAsync(threadId, order: SortOrder.Asc);
            var list = items.Data.Select(i => i is AssistantMessageItem a ? a.Text : "user").ToList();
            return list.Count == 4 ? list : null;
        }, "the server to save the cancelled turn");
        texts[3].Should().Be("Partial answer");

        responder.Script = (t, input, _) => TestResponder.Text(t, "fine again");
        var next = await client.AddUserMessageAsync(threadId, ChatKitClient.Text("third")).CollectAsync();
        next.Should().HaveAssistantText("fine again ");
    }

    [Test]
    public async Task A_thread_deleted_while_its_turn_streams_stays_deleted_and_the_stream_says_so()
    {
        // The user deletes the thread while an answer streams into it; the turn then renames the thread and finishes its
        // message. The rename's save created the thread again (empty, then holding the late answer) and the client was told
        // "stream.error, retry allowed" with no message.
        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, new() { ["Assistant:AutoTitles"] = "false" }, database: database);
        var client = factory.ClientFor("alice");
        var threadId = (await client.CreateThreadAsync(ChatKitClient.Text("first")).CollectAsync()).ThreadId!;
        var events = new List<ThreadStreamEvent>();
        responder.Script = (t, _, ct) => AnswerAfterDelete(t, deleted.Task, ct);

        await foreach (var ev in client.AddUserMessageAsync(threadId, ChatKitClient.Text("second")))
        {
            events.Add(ev);
            if (ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta })
            {
                await client.DeleteThreadAsync(threadId);
                deleted.SetResult();
            }
        }

        var error = events.OfType<ErrorEvent>().Should().ContainSingle().Which;
        error.Code.Should().Be(ErrorCodes.Custom);
        error.AllowRetry.Should().BeFalse("the thread is gone: trying again cannot work");
        error.Message.Should().Contain("deleted");
        events.OfType<ThreadUpdatedEvent>().Should().BeEmpty("the rename was not saved");
        (await client.ListThreadsAsync()).Data.Should().BeEmpty("the deleted thread did not come back");
        (await Refusals.RefusedAsync(() => client.GetThreadAsync(threadId))).StatusCode.Should().Be(404);

        static async IAsyncEnumerable<ThreadStreamEvent> AnswerAfterDelete(ThreadMetadata t, Task deleted, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var message = new AssistantMessageStream(t.Id);
            foreach (var ev in message.Begin()) yield return ev;
            yield return message.Append("partial ");
            await deleted.WaitAsync(ct);
            t.Title = "renamed by the turn";
            yield return new ProgressUpdateEvent { Text = "still working" };
            foreach (var ev in message.Complete()) yield return ev;
        }
    }

    /// <summary>
    /// Found by two audits (2026-12): a thread deleted while its answer streamed kept the model generating until the turn's
    /// next save (for a long answer, its end): paid tokens for an answer nobody keeps. The engine now looks between events.
    /// </summary>
    [Test]
    public async Task A_thread_deleted_while_a_long_answer_streams_stops_the_answer_soon_after()
    {
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, new() { ["Assistant:AutoTitles"] = "false", ["ChatKit:DeletedThreadCheckInterval"] = "00:00:00.1" }, database: database);
        var client = factory.ClientFor("alice");
        var threadId = (await client.CreateThreadAsync(ChatKitClient.Text("first")).CollectAsync()).ThreadId!;
        var produced = 0;
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        responder.Script = (t, _, ct) => LongAnswer(t, ct);
        var events = new List<ThreadStreamEvent>();

        await foreach (var ev in client.AddUserMessageAsync(threadId, ChatKitClient.Text("second")))
        {
            events.Add(ev);
            if (ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta } && events.Count(e => e is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta }) == 1)
                await client.DeleteThreadAsync(threadId);
        }

        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Volatile.Read(ref produced).Should().BeLessThan(100, "the answer (400 pieces, 20 ms apart) stopped soon after the delete, not at its end");
        events.OfType<ErrorEvent>().Should().ContainSingle().Which.Message.Should().Contain("deleted");
        (await client.ListThreadsAsync()).Data.Should().BeEmpty("the deleted thread did not come back");

        async IAsyncEnumerable<ThreadStreamEvent> LongAnswer(ThreadMetadata t, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var message = new AssistantMessageStream(t.Id);
            try
            {
                foreach (var ev in message.Begin()) yield return ev;
                for (var i = 0; i < 400; i++)
                {
                    await Task.Delay(20, ct);
                    Interlocked.Increment(ref produced);
                    yield return message.Append("word ");
                }
                foreach (var ev in message.Complete()) yield return ev;
            }
            finally
            {
                stopped.TrySetResult();
            }
        }
    }

    [Test]
    public async Task A_quiet_responder_gets_keep_alive_comments()
    {
        var responder = new TestResponder { Script = (t, _, ct) => Quiet(t, ct) };
        using var factory = ServerFactory.WithResponder(responder, new() { ["ChatKit:KeepAliveSeconds"] = "0.1" }, database: database);
        using var http = factory.HttpClientFor("alice");

        using var response = await http.PostAsync("/chatkit", Wire.Body(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("wait") } }));
        var raw = await response.Content.ReadAsStringAsync();

        raw.Should().Contain(": keep-alive\n\n");
        raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(f => f.StartsWith("data: ") || f == ": keep-alive");

        static async IAsyncEnumerable<ThreadStreamEvent> Quiet(ThreadMetadata t, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Delay(450, ct);
            await foreach (var ev in TestResponder.Text(t, "done")) yield return ev;
        }
    }

    [Test]
    public async Task Fifty_concurrent_streams_on_one_thread_lose_nothing_and_never_interleave()
    {
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, database: database);
        var client = factory.ClientFor("alice");
        var threadId = (await client.CreateThreadAsync(ChatKitClient.Text("start")).CollectAsync()).ThreadId!;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.AddUserMessageAsync(threadId, ChatKitClient.Text("m" + i)).CollectAsync()));

        var texts = new List<string>();
        await foreach (var item in client.GetAllItemsAsync(threadId, SortOrder.Asc, pageSize: 100))
            texts.Add(item is UserMessageItem u ? "u:" + u.Text : "a:" + ((AssistantMessageItem)item).Text);

        texts.Should().HaveCount(102);
        for (var i = 0; i < texts.Count; i += 2)
            texts[i + 1].Should().Be("a:echo: " + texts[i][2..] + " ", "each answer follows its own question");
        texts.Where(t => t.StartsWith("u:m")).Should().OnlyHaveUniqueItems().And.HaveCount(50);
    }

    [Test]
    public async Task Fifty_concurrent_new_threads_are_all_saved()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), database: database);
        var client = factory.ClientFor("alice");

        var turns = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.CreateThreadAsync(ChatKitClient.Text("t" + i)).CollectAsync()));

        var list = await client.ListThreadsAsync(limit: 100);
        list.Data.Select(t => t.Id).Should().BeEquivalentTo(turns.Select(s => s.ThreadId));
        foreach (var turn in turns.Take(5))
            (await client.GetThreadAsync(turn.ThreadId!)).Items.Data.Should().HaveCount(2);
    }
}
