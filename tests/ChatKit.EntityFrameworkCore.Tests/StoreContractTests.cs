using System.Text.Json.Nodes;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// What every <see cref="IChatKitStore"/> must do, written once and run against each store
/// (subclasses below): ordering, paging, replacement, deletion, feedback, attachments and,
/// above all, that one user never sees or changes another's records.
/// </summary>
public abstract class StoreContractTests
{
    protected IChatKitStore Store { get; private set; } = null!;
    protected static readonly ChatKitContext Alice = new() { UserId = "alice" };
    protected static readonly ChatKitContext Bob = new() { UserId = "bob" };

    protected abstract Task<IChatKitStore> CreateStoreAsync();
    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    [SetUp]
    public async Task SetUpStore() => Store = await CreateStoreAsync();

    [TearDown]
    public Task TearDownStore() => DisposeStoreAsync();

    private static int _clock;
    protected static DateTimeOffset Tick() => DateTimeOffset.UnixEpoch.AddSeconds(Interlocked.Increment(ref _clock));

    protected async Task<ThreadMetadata> NewThreadAsync(ChatKitContext? who = null, string? title = null)
    {
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Title = title };
        await Store.SaveThreadAsync(thread, who ?? Alice);
        return thread;
    }

    protected static AssistantMessageItem Message(string threadId, string text) => new()
    {
        Id = ChatKitIds.Message(), ThreadId = threadId, CreatedAt = Tick(), Content = [new AssistantMessageContent { Text = text }],
    };

    [Test]
    public async Task An_item_whose_text_holds_a_lone_surrogate_is_saved_with_it_replaced_as_its_JSON_replaces_it()
    {
        // A custom responder's text cut in the middle of an emoji: its JSON holds U+FFFD, and so must its search text,
        // which PostgreSQL's driver refuses to send with the lone surrogate in it (the whole save failed).
        var thread = await NewThreadAsync();
        await Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "cut \ud83d here, and \ude00 there"), Alice);

        TextOf((await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Single())
            .Should().Be("cut \ufffd here, and \ufffd there");
    }

    private static string TextOf(ThreadItem item) => ((AssistantMessageItem)item).Text;

    [TestCase(SortOrder.Asc)]
    [TestCase(SortOrder.Desc)]
    public async Task Visible_item_pages_skip_hidden_items_and_are_full_while_more_follow(SortOrder order)
    {
        var thread = await NewThreadAsync();
        var shown = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            await Store.AddThreadItemAsync(thread.Id, new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = Tick(), Content = "usage" }, Alice);
            if (i % 3 == 0)
                await Store.AddThreadItemAsync(thread.Id, new SdkHiddenContextItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = Tick(), Content = "cancelled" }, Alice);
            var message = Message(thread.Id, $"m{i}");
            await Store.AddThreadItemAsync(thread.Id, message, Alice);
            shown.Add(message.Id);
        }

        var seen = new List<string>();
        string? after = null;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await Store.LoadVisibleThreadItemsAsync(thread.Id, after, 4, order, Alice);
            page.Data.Should().NotContain(i => i.IsHidden);
            if (page.HasMore) page.Data.Should().HaveCount(4);
            seen.AddRange(page.Data.Select(i => i.Id));
            if (!page.HasMore) break;
            after = page.After;
        }

        seen.Should().Equal(order == SortOrder.Asc ? shown : Enumerable.Reverse(shown));
    }

    [Test]
    public async Task Recent_items_of_some_kinds_are_those_of_the_newest_window_newest_first()
    {
        var thread = await NewThreadAsync();
        ClientToolCallItem Call(string id) => new()
        {
            Id = id, ThreadId = thread.Id, CreatedAt = Tick(), Name = "pick", Arguments = new JsonObject(), CallId = "call_" + id,
            Status = ClientToolCallStatus.Pending,
        };
        await Store.AddThreadItemAsync(thread.Id, Call("old"), Alice);
        for (var i = 0; i < 5; i++) await Store.AddThreadItemAsync(thread.Id, Message(thread.Id, $"m{i}"), Alice);
        await Store.AddThreadItemAsync(thread.Id, Call("new1"), Alice);
        await Store.AddThreadItemAsync(thread.Id, new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = Tick(), Content = "usage" }, Alice);
        await Store.AddThreadItemAsync(thread.Id, Call("new2"), Alice);
        var calls = new HashSet<string> { ItemTypes.ClientToolCall };

        (await Store.LoadRecentItemsOfKindsAsync(thread.Id, 5, calls, Alice)).Select(i => i.Id).Should().Equal("new2", "new1");
        var all = await Store.LoadRecentItemsOfKindsAsync(thread.Id, 100, calls, Alice);
        all.Select(i => i.Id).Should().Equal("new2", "new1", "old");
        all.OfType<ClientToolCallItem>().Should().OnlyContain(c => c.Status == ClientToolCallStatus.Pending && c.Name == "pick");
        (await Store.LoadRecentItemsOfKindsAsync(thread.Id, 3, new HashSet<string> { ItemTypes.HiddenContext, ItemTypes.ClientToolCall }, Alice))
            .Select(i => i.Kind).Should().Equal(ItemTypes.ClientToolCall, ItemTypes.HiddenContext, ItemTypes.ClientToolCall);
        (await Store.LoadRecentItemsOfKindsAsync(thread.Id, 100, new HashSet<string> { ItemTypes.StructuredInput }, Alice)).Should().BeEmpty();
        var empty = await NewThreadAsync();
        (await Store.LoadRecentItemsOfKindsAsync(empty.Id, 10, calls, Alice)).Should().BeEmpty("an empty thread has none");
        await Store.Invoking(s => s.LoadRecentItemsOfKindsAsync(ChatKitIds.Thread(), 10, calls, Alice)).Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task An_active_thread_without_metadata_reads_back_as_such_each_time_a_fresh_copy()
    {
        var thread = await NewThreadAsync(title: "Plain");
        var first = await Store.LoadThreadAsync(thread.Id, Alice);
        var listed = (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, Alice)).Data.Single(t => t.Id == thread.Id);

        first.Status.Should().BeOfType<ActiveStatus>();
        first.Metadata.Should().BeEmpty();
        listed.Status.Should().BeOfType<ActiveStatus>();
        first.Metadata["note"] = "changed by one caller";
        listed.Metadata.Should().BeEmpty("each read builds its own metadata");
        (await Store.LoadThreadAsync(thread.Id, Alice)).Metadata.Should().BeEmpty();
    }

    [Test]
    public async Task A_thread_round_trips_title_status_and_metadata_with_keys_untouched()
    {
        var thread = new ThreadMetadata
        {
            Id = ChatKitIds.Thread(), CreatedAt = Tick(), Title = "Plans",
            Status = new LockedStatus { Reason = "archived" },
            Metadata = new JsonObject { ["camelKey"] = 1, ["Snake_Key"] = new JsonObject { ["with space"] = true } },
            AllowedImageDomains = ["images.example"],
        };
        await Store.SaveThreadAsync(thread, Alice);

        var loaded = await Store.LoadThreadAsync(thread.Id, Alice);

        loaded.Title.Should().Be("Plans");
        loaded.CreatedAt.Should().Be(thread.CreatedAt);
        loaded.Status.Should().BeOfType<LockedStatus>().Which.Reason.Should().Be("archived");
        JsonNode.DeepEquals(loaded.Metadata, thread.Metadata).Should().BeTrue();
        loaded.AllowedImageDomains.Should().Equal("images.example");

        loaded.Title = "Renamed";
        await Store.SaveThreadAsync(loaded, Alice);
        (await Store.LoadThreadAsync(thread.Id, Alice)).Title.Should().Be("Renamed");
    }

    [Test]
    public async Task Times_read_back_exactly_as_sent_to_the_microsecond()
    {
        var utc = new DateTimeOffset(2026, 11, 30, 23, 59, 58, TimeSpan.Zero).AddTicks(1_234_560); // .123456 s
        var elsewhere = new DateTimeOffset(2026, 12, 1, 1, 59, 59, TimeSpan.FromHours(2)).AddTicks(9_999_990); // .999999 s at +02:00
        foreach (var created in new[] { utc, elsewhere })
        {
            var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = created };
            await Store.SaveThreadAsync(thread, Alice);
            var item = Message(thread.Id, "t");
            item.CreatedAt = created;
            await Store.AddThreadItemAsync(thread.Id, item, Alice);

            (await Store.LoadThreadAsync(thread.Id, Alice)).CreatedAt.UtcTicks.Should().Be(created.UtcTicks, "the thread's time is the same instant to the tick");
            (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, Alice)).Data.Single(t => t.Id == thread.Id).CreatedAt.UtcTicks.Should().Be(created.UtcTicks);
            (await Store.LoadItemAsync(thread.Id, item.Id, Alice)).CreatedAt.UtcTicks.Should().Be(created.UtcTicks);
        }
    }

    [Test]
    public async Task User_ids_that_differ_only_in_case_are_different_users()
    {
        var shouting = new ChatKitContext { UserId = "ALICE" };
        var thread = await NewThreadAsync(title: "Alice's");
        await Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "private"), Alice);

        (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, shouting)).Data.Should().BeEmpty();
        var read = () => Store.LoadThreadAsync(thread.Id, shouting);
        await read.Should().ThrowAsync<ChatKitNotFoundException>();
        var write = () => Store.SaveThreadAsync(new ThreadMetadata { Id = thread.Id, CreatedAt = Tick(), Title = "taken" }, shouting);
        await write.Should().ThrowAsync<ChatKitNotFoundException>();
        (await Store.LoadThreadAsync(thread.Id, Alice)).Title.Should().Be("Alice's");
    }

    [Test]
    public async Task Threads_page_in_both_orders_without_gaps_or_duplicates()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++) ids.Add((await NewThreadAsync()).Id);
        await NewThreadAsync(Bob);

        foreach (var order in new[] { SortOrder.Asc, SortOrder.Desc })
        {
            var seen = new List<string>();
            string? after = null;
            Page<ThreadMetadata> page;
            do
            {
                page = await Store.LoadThreadsAsync(3, after, order, Alice);
                page.Data.Count.Should().BeLessThanOrEqualTo(3);
                seen.AddRange(page.Data.Select(t => t.Id));
                after = page.After;
            } while (page.HasMore);
            seen.Should().Equal(order == SortOrder.Asc ? ids : Enumerable.Reverse(ids));
        }
    }

    [Test]
    public async Task Text_of_any_script_reads_back_exactly_in_pages_recent_items_and_single_reads()
    {
        var thread = await NewThreadAsync();
        const string text = "Un café à 3 € + \"deux\" l'après-midi, 東京, Ελληνικά, emoji 🙂, tab\tand \\ backslash";
        var item = Message(thread.Id, text);
        await Store.AddThreadItemAsync(thread.Id, item, Alice);

        TextOf((await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Single()).Should().Be(text);
        TextOf((await Store.LoadVisibleThreadItemsAsync(thread.Id, null, 10, SortOrder.Desc, Alice)).Data.Single()).Should().Be(text);
        TextOf((await Store.LoadRecentItemsOfKindsAsync(thread.Id, 5, new HashSet<string> { ItemTypes.AssistantMessage }, Alice)).Single()).Should().Be(text);
        TextOf(await Store.LoadItemAsync(thread.Id, item.Id, Alice)).Should().Be(text);
    }

    [Test]
    public async Task Items_keep_the_order_they_were_added_in_and_page_both_ways()
    {
        var thread = await NewThreadAsync();
        var texts = Enumerable.Range(0, 9).Select(i => "m" + i).ToList();
        foreach (var text in texts) await Store.AddThreadItemAsync(thread.Id, Message(thread.Id, text), Alice);

        var asc = await Store.LoadThreadItemsAsync(thread.Id, null, 4, SortOrder.Asc, Alice);
        asc.Data.Select(TextOf).Should().Equal("m0", "m1", "m2", "m3");
        asc.HasMore.Should().BeTrue();
        var next = await Store.LoadThreadItemsAsync(thread.Id, asc.After, 100, SortOrder.Asc, Alice);
        next.Data.Select(TextOf).Should().Equal("m4", "m5", "m6", "m7", "m8");
        next.HasMore.Should().BeFalse();

        var desc = await Store.LoadThreadItemsAsync(thread.Id, null, 2, SortOrder.Desc, Alice);
        desc.Data.Select(TextOf).Should().Equal("m8", "m7");
        (await Store.LoadThreadItemsAsync(thread.Id, desc.After, 2, SortOrder.Desc, Alice)).Data.Select(TextOf).Should().Equal("m6", "m5");
    }

    [Test]
    public async Task Saving_an_item_again_replaces_it_in_place_and_deleting_removes_it()
    {
        var thread = await NewThreadAsync();
        var items = new[] { Message(thread.Id, "a"), Message(thread.Id, "b"), Message(thread.Id, "c") };
        foreach (var item in items) await Store.AddThreadItemAsync(thread.Id, item, Alice);

        items[1].Content[0].Text = "B!";
        await Store.SaveItemAsync(thread.Id, items[1], Alice);
        await Store.DeleteThreadItemAsync(thread.Id, items[0].Id, Alice);

        var page = await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice);
        page.Data.Select(TextOf).Should().Equal("B!", "c");
        TextOf(await Store.LoadItemAsync(thread.Id, items[1].Id, Alice)).Should().Be("B!");
        var missing = () => Store.LoadItemAsync(thread.Id, items[0].Id, Alice);
        await missing.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    /// <summary>Runs SQL on the store's database behind the store's back (the EF stores); null for a store that keeps no rows.</summary>
    protected virtual Func<string, Task>? Sql => null;

    /// <summary>Whether the store hands out stored JSON for items.list as it is (<see cref="IChatKitStore.LoadVisibleWireItemsAsync"/>).</summary>
    protected virtual bool SendsStoredJson => false;

    [TestCase(SortOrder.Asc)]
    [TestCase(SortOrder.Desc)]
    public async Task Pages_for_clients_are_the_visible_pages_with_every_item_as_its_wire_json(SortOrder order)
    {
        var thread = await NewThreadAsync();
        var file = new FileAttachment { Id = "file_w", Name = "w.txt", MimeType = "text/plain", ThreadId = thread.Id, Metadata = new JsonObject { ["secret"] = "storage only" } };
        ThreadItem[] items =
        [
            Message(thread.Id, "Grüße, 你好, \"quoted\" \\ back\nslash 🎉"),
            new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = Tick(), Content = "usage" },
            UserMessage(thread.Id, "msg_with_file", Tick(), file),
            new TaskItem { Id = "tsk_w", ThreadId = thread.Id, CreatedAt = Tick(), Task = new SearchTask { Queries = ["q"] } },
            new WorkflowItem { Id = "wf_w", ThreadId = thread.Id, CreatedAt = Tick(), Workflow = new Workflow { Tasks = [new ThoughtTask { Content = "hm" }] } },
            new EndOfTurnItem { Id = "msg_end", ThreadId = thread.Id, CreatedAt = Tick() },
        ];
        foreach (var item in items) await Store.AddThreadItemAsync(thread.Id, item, Alice);

        string? after = null;
        var pages = 0;
        do
        {
            var expected = await Store.LoadVisibleThreadItemsAsync(thread.Id, after, 2, order, Alice);
            var wire = await Store.LoadVisibleWireItemsAsync(thread.Id, after, 2, order, Alice);

            wire.HasMore.Should().Be(expected.HasMore);
            wire.After.Should().Be(expected.After);
            wire.Data.Select(w => w.Json ?? Json.ChatKitJson.Serialize(w.Item!)).Should().Equal(expected.Data.Select(i => Json.ChatKitJson.Serialize(i)));
            foreach (var w in wire.Data)
            {
                (w.Json is null).Should().NotBe(w.Item is null, "exactly one of the two is set");
                if (w.Item is UserMessageItem { Attachments.Count: > 0 } message)
                    message.Attachments.Single().Metadata!["secret"]!.GetValue<string>().Should().Be("storage only");
                else if (SendsStoredJson) w.Json.Should().NotBeNull("an item stored in its wire form is sent as stored");
                if (w.Json is not null) w.Json.Should().NotContain("storage only");
            }
            after = wire.After;
            pages++;
        } while (after is not null);
        pages.Should().Be(3);
    }

    [Test]
    public async Task Stored_json_goes_out_as_it_is_only_while_its_stamp_vouches_for_it()
    {
        var thread = await NewThreadAsync();
        var edited = Message(thread.Id, "original a");
        var unstamped = Message(thread.Id, "original b");
        var otherBuild = Message(thread.Id, "original c");
        foreach (var item in new[] { edited, unstamped, otherBuild }) await Store.AddThreadItemAsync(thread.Id, item, Alice);
        if (Sql is not { } sql)
        {
            // A store that keeps no stored JSON vouches for none: the interface's default answers items.
            (await Store.LoadVisibleWireItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Select(w => TextOf(w.Item!))
                .Should().Equal("original a", "original b", "original c");
            return;
        }
        (await Store.LoadVisibleWireItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Should().OnlyContain(w => w.Json != null);

        // Changed by something else than this store (an older instance, an admin), written before the column, written by another build.
        await sql($"UPDATE chatkit_items SET \"Json\" = replace(\"Json\", 'original a', 'edited a') WHERE \"Id\" = '{edited.Id}'");
        await sql($"UPDATE chatkit_items SET \"WireStamp\" = NULL WHERE \"Id\" = '{unstamped.Id}'");
        await sql($"UPDATE chatkit_items SET \"WireStamp\" = 12345 WHERE \"Id\" = '{otherBuild.Id}'");

        var page = await Store.LoadVisibleWireItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice);

        page.Data.Should().OnlyContain(w => w.Json == null, "none of the three is vouched for any more");
        page.Data.Select(w => TextOf(w.Item!)).Should().Equal("edited a", "original b", "original c");

        // Saved again by the store, an item is stamped again.
        edited.Content = [new AssistantMessageContent { Text = "saved again" }];
        await Store.SaveItemAsync(thread.Id, edited, Alice);
        var again = await Store.LoadVisibleWireItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice);
        again.Data[0].Json.Should().Be(Json.ChatKitJson.Serialize<ThreadItem>(edited));
        again.Data.Skip(1).Should().OnlyContain(w => w.Json == null);
    }

    /// <summary>Threads of every shape, saved for a user of their own (so no other test's threads are listed with them).</summary>
    private async Task<(ChatKitContext Who, List<ThreadMetadata> Threads)> VariedThreadsAsync()
    {
        var who = new ChatKitContext { UserId = "lister_" + Guid.NewGuid().ToString("N") };
        List<ThreadMetadata> threads =
        [
            new() { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Title = "Grüße, 你好, \"quoted\" \\ back\nslash 🎉 <b>&'" },
            new() { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Status = new LockedStatus { Reason = "busy" }, Metadata = new JsonObject { ["never"] = "sent" } },
            new() { Id = ChatKitIds.Thread(), CreatedAt = Tick().AddTicks(1234567).ToOffset(TimeSpan.FromHours(-5)), Title = "", Status = new ClosedStatus(), AllowedImageDomains = ["a.example", "b.example"] },
            new() { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Title = "saved twice", AllowedImageDomains = [] },
            new() { Id = ChatKitIds.Thread(), CreatedAt = Tick() },
        ];
        foreach (var thread in threads) await Store.SaveThreadAsync(thread, who);
        threads[3].Title = "saved twice, renamed";
        threads[3].Status = new LockedStatus();
        await Store.SaveThreadAsync(threads[3], who);
        await Store.SaveThreadAsync(new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Title = "someone else's" }, Bob);
        return (who, threads);
    }

    [TestCase(SortOrder.Asc)]
    [TestCase(SortOrder.Desc)]
    public async Task Thread_pages_for_clients_are_the_thread_pages_with_each_thread_as_its_client_json(SortOrder order)
    {
        var (who, threads) = await VariedThreadsAsync();

        string? after = null;
        var listed = new List<string>();
        do
        {
            var expected = await Store.LoadThreadsAsync(2, after, order, who);
            var wire = await Store.LoadWireThreadsAsync(2, after, order, who);

            (wire.HasMore, wire.After).Should().Be((expected.HasMore, expected.After));
            wire.Data.Select(w => w.Json ?? WireThread.ClientJsonOf(w.Thread!)).Should().Equal(expected.Data.Select(WireThread.ClientJsonOf));
            foreach (var w in wire.Data)
            {
                (w.Json is null).Should().NotBe(w.Thread is null, "exactly one of the two is set");
                if (SendsStoredJson) w.Json.Should().NotBeNull("a thread saved by this build is listed with its stored client JSON");
            }
            listed.AddRange(expected.Data.Select(t => t.Id));
            after = wire.After;
        } while (after is not null);

        listed.Should().BeEquivalentTo(threads.Select(t => t.Id));
        listed.Should().HaveCount(5, "Bob's thread is not listed");
    }

    [Test]
    public async Task Stored_client_json_goes_out_as_it_is_only_while_its_stamp_vouches_for_it()
    {
        var (who, threads) = await VariedThreadsAsync();
        if (Sql is not { } sql)
        {
            // A store that keeps no client JSON vouches for none: the interface's default answers threads.
            (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who)).Data.Should().OnlyContain(w => w.Thread != null);
            return;
        }
        (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who)).Data.Should().OnlyContain(w => w.Json != null);

        // (The braces are doubled twice: once for the interpolated string, once for the raw SQL's own formatting.)
        // Saved by an older instance that knows no client JSON (it writes the columns and UpdatedAt), written before the columns
        // existed, written by another build.
        await sql($"UPDATE chatkit_threads SET \"Title\" = 'renamed elsewhere', \"UpdatedAt\" = {UpdatedAtLater} WHERE \"Id\" = '{threads[0].Id}'");
        await sql($"UPDATE chatkit_threads SET \"StatusJson\" = '{{{{\"type\":\"closed\",\"reason\":\"elsewhere\"}}}}', \"UpdatedAt\" = {UpdatedAtLater} WHERE \"Id\" = '{threads[1].Id}'");
        await sql($"UPDATE chatkit_threads SET \"WireStamp\" = NULL WHERE \"Id\" = '{threads[3].Id}'");
        await sql($"UPDATE chatkit_threads SET \"WireStamp\" = 12345 WHERE \"Id\" = '{threads[4].Id}'");
        // Changed by hand with UpdatedAt left alone: still listed as stored (decision 0020: a hand edit clears the stamp or moves UpdatedAt).
        await sql($"UPDATE chatkit_threads SET \"AllowedImageDomainsJson\" = '[\"c.example\"]' WHERE \"Id\" = '{threads[2].Id}'");

        var page = await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who);

        page.Data.Select(w => w.Json is null).Should().Equal(true, true, false, true, true);
        page.Data.Select(w => w.Thread?.Title).Should().Equal("renamed elsewhere", null, null, "saved twice, renamed", null);
        page.Data[1].Thread!.Status.Should().BeOfType<ClosedStatus>().Which.Reason.Should().Be("elsewhere");
        page.Data[2].Json.Should().Contain("b.example").And.NotContain("c.example");
        await sql($"UPDATE chatkit_threads SET \"WireStamp\" = NULL WHERE \"Id\" = '{threads[2].Id}'");
        (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who)).Data[2].Thread!.AllowedImageDomains.Should().Equal("c.example");

        // The stored JSON edited is refused too.
        await Store.SaveThreadAsync(threads[0], who);
        await sql($"UPDATE chatkit_threads SET \"WireJson\" = replace(\"WireJson\", 'Grüße', 'Hello') WHERE \"Id\" = '{threads[0].Id}'");
        (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who)).Data[0].Thread!.Title.Should().StartWith("Grüße");

        // A save that names another creation time than the row's (which a save never changes) is not vouched for either.
        var renamed = new ThreadMetadata { Id = threads[0].Id, CreatedAt = threads[0].CreatedAt.AddDays(1), Title = threads[0].Title };
        await Store.SaveThreadAsync(renamed, who);
        var shifted = (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who)).Data[0];
        shifted.Thread!.CreatedAt.Should().Be(threads[0].CreatedAt);

        // Saved again, a thread is stamped again.
        await Store.SaveThreadAsync(threads[0], who);
        await Store.SaveThreadAsync(threads[4], who);
        var again = await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who);
        again.Data[0].Json.Should().Be(WireThread.ClientJsonOf(threads[0]));
        again.Data[4].Json.Should().Be(WireThread.ClientJsonOf(threads[4]));
        again.Data.Skip(1).Take(3).Should().OnlyContain(w => w.Thread != null);
    }

    [Test]
    public async Task A_restamp_pass_vouches_again_for_rows_written_by_another_build_or_before_the_stamps()
    {
        if (Sql is not { } sql || Store is not EfChatKitStore store)
        {
            Assert.Pass("This store keeps no stored JSON to stamp.");
            return;
        }
        var (who, threads) = await VariedThreadsAsync();
        var file = new FileAttachment { Id = "file_r", Name = "r.txt", MimeType = "text/plain", ThreadId = threads[0].Id };
        var items = new ThreadItem[] { Message(threads[0].Id, "one"), Message(threads[0].Id, "two"), UserMessage(threads[0].Id, "msg_with_file_r", Tick(), file), Message(threads[0].Id, "three") };
        foreach (var item in items) await Store.AddThreadItemAsync(threads[0].Id, item, who);
        var rows = items.Length + threads.Count + 1; // Bob's thread too
        (await store.RestampStoredJsonAsync()).Should().Be(new StoredJsonRestamp(0, 0, 1, rows), "everything this build saved is vouched for already; the message with a file has no wire form");
        (await store.RestampStoredJsonAsync()).Should().Be(new StoredJsonRestamp(0, 0, 0, 0), "the same build's next pass reads only rows added since");

        // Written before the stamps, by another build, and in another build's form of the same item (spaces after commas);
        // the last pass was another build's too.
        await sql("UPDATE chatkit_threads SET \"WireStamp\" = NULL");
        await sql($"UPDATE chatkit_items SET \"WireStamp\" = NULL WHERE \"Id\" = '{items[0].Id}'");
        await sql($"UPDATE chatkit_items SET \"WireStamp\" = 12345 WHERE \"Id\" = '{items[1].Id}'");
        await sql($"UPDATE chatkit_items SET \"Json\" = replace(\"Json\", ',\"', ', \"') WHERE \"Id\" = '{items[3].Id}'");
        await sql($"UPDATE chatkit_store_state SET \"Value\" = '{new RestampMark(12345, 99999, 99999)}'");
        (await Store.LoadVisibleWireItemsAsync(threads[0].Id, null, 10, SortOrder.Asc, who)).Data.Count(w => w.Json is not null).Should().Be(0);

        var pass = await store.RestampStoredJsonAsync(batchSize: 2);

        pass.Should().Be(new StoredJsonRestamp(3, threads.Count + 1, 1, rows), "three items, every thread (Bob's too), the message with a file left alone");
        var page = await Store.LoadVisibleWireItemsAsync(threads[0].Id, null, 10, SortOrder.Asc, who);
        page.Data.Select(w => w.Json).Should().Equal(
            Json.ChatKitJson.Serialize(items[0]), Json.ChatKitJson.Serialize(items[1]), null, Json.ChatKitJson.Serialize(items[3]));
        (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, who)).Data.Select(w => w.Json)
            .Should().Equal((await Store.LoadThreadsAsync(10, null, SortOrder.Asc, who)).Data.Select(WireThread.ClientJsonOf));
        (await store.RestampStoredJsonAsync()).Should().Be(new StoredJsonRestamp(0, 0, 0, 0), "a second pass finds nothing left to read");
        (await store.RestampStoredJsonAsync(fromTheStart: true)).Should().Be(new StoredJsonRestamp(0, 0, 1, rows), "read from the start, every row is vouched for");
    }

    [Test]
    public async Task A_restamp_pass_goes_on_from_where_the_same_builds_last_pass_stopped()
    {
        if (Sql is not { } sql || Store is not EfChatKitStore store)
        {
            Assert.Pass("This store keeps no stored JSON to stamp.");
            return;
        }
        var (who, threads) = await VariedThreadsAsync();
        var items = Enumerable.Range(0, 5).Select(n => Message(threads[0].Id, $"item {n}")).ToArray();
        foreach (var item in items) await Store.AddThreadItemAsync(threads[0].Id, item, who);
        await store.RestampStoredJsonAsync();
        await sql("UPDATE chatkit_items SET \"WireStamp\" = NULL");

        // A pass that stopped (a shutdown) after the second item and before the threads, by this build: it goes on from there.
        await sql($"UPDATE chatkit_store_state SET \"Value\" = '{RestampMark.Start.Build} ' || (SELECT \"Sequence\" FROM chatkit_items WHERE \"Id\" = '{items[1].Id}') || ' 0'");
        (await store.RestampStoredJsonAsync(batchSize: 2)).Should().Be(new StoredJsonRestamp(3, 0, 0, 3 + threads.Count + 1),
            "the three items after the mark, then every thread (already vouched for)");
        (await Store.LoadVisibleWireItemsAsync(threads[0].Id, null, 10, SortOrder.Asc, who)).Data.Select(w => w.Json is not null)
            .Should().Equal(false, false, true, true, true);

        // Rows added since are read; the two before the mark stay as they are (the documented limit) until a pass from the start.
        var later = Message(threads[1].Id, "later");
        await Store.AddThreadItemAsync(threads[1].Id, later, who);
        await sql($"UPDATE chatkit_items SET \"WireStamp\" = NULL WHERE \"Id\" = '{later.Id}'");
        (await store.RestampStoredJsonAsync()).Should().Be(new StoredJsonRestamp(1, 0, 0, 1));
        (await store.RestampStoredJsonAsync(fromTheStart: true)).Items.Should().Be(2);
        (await Store.LoadVisibleWireItemsAsync(threads[0].Id, null, 10, SortOrder.Asc, who)).Data.Should().OnlyContain(w => w.Json != null);

        // The row the migration added holds the mark; deleted by hand, the next pass adds it again.
        await sql("DELETE FROM chatkit_store_state");
        (await store.RestampStoredJsonAsync()).Read.Should().Be(items.Length + 1 + threads.Count + 1, "without a mark every row is read");
        (await store.RestampStoredJsonAsync()).Read.Should().Be(0);
    }

    /// <summary>SQL for a thread row's UpdatedAt moved on (as every save sets it), on the store's database.</summary>
    protected virtual string UpdatedAtLater => throw new NotSupportedException("This store keeps no rows.");

    [Test]
    public async Task Every_item_type_round_trips_through_the_store()
    {
        var thread = await NewThreadAsync();
        ThreadItem[] items =
        [
            new UserMessageItem { Id = "msg_u", ThreadId = thread.Id, CreatedAt = Tick(), Content = [new UserMessageTextContent { Text = "hi" }, new UserMessageTagContent { Id = "t", Text = "Ann", Data = new JsonObject { ["Key"] = 1 } }] },
            new ClientToolCallItem { Id = "tc_1", ThreadId = thread.Id, CreatedAt = Tick(), CallId = "c", Name = "n", Arguments = new JsonObject { ["A"] = 1 }, Output = 5, Status = ClientToolCallStatus.Completed },
            new WorkflowItem { Id = "wf_1", ThreadId = thread.Id, CreatedAt = Tick(), Workflow = new Workflow { Tasks = [new CustomTask { Title = "x" }, new ThoughtTask { Content = "hm" }], Summary = new DurationSummary { Duration = 3 } } },
            new TaskItem { Id = "tsk_1", ThreadId = thread.Id, CreatedAt = Tick(), Task = new SearchTask { Queries = ["q"] } },
            new StructuredInputItem { Id = "msg_s", ThreadId = thread.Id, CreatedAt = Tick(), Inputs = [new StructuredInputFreeform { Id = "f", Question = "Why?" }] },
            new GeneratedImageItem { Id = "msg_g", ThreadId = thread.Id, CreatedAt = Tick(), Image = new GeneratedImage { Id = "img", Url = "https://x/y.png" } },
            new EndOfTurnItem { Id = "msg_e", ThreadId = thread.Id, CreatedAt = Tick() },
            new HiddenContextItem { Id = "msg_h", ThreadId = thread.Id, CreatedAt = Tick(), Content = new JsonObject { ["kind"] = "usage" } },
            new SdkHiddenContextItem { Id = "shcx_1", ThreadId = thread.Id, CreatedAt = Tick(), Content = "cancelled" },
        ];
        foreach (var item in items) await Store.AddThreadItemAsync(thread.Id, item, Alice);

        var loaded = (await Store.LoadThreadItemsAsync(thread.Id, null, 50, SortOrder.Asc, Alice)).Data;

        loaded.Select(i => Json.ChatKitJson.Serialize(i)).Should().Equal(items.Select(i => Json.ChatKitJson.Serialize(i)));
    }

    [Test]
    public async Task Updating_a_thread_never_creates_it_a_deleted_one_stays_deleted()
    {
        var thread = await NewThreadAsync(title: "before");
        thread.Title = "after";
        await Store.UpdateThreadAsync(thread, Alice);
        (await Store.LoadThreadAsync(thread.Id, Alice)).Title.Should().Be("after");

        // Every field the update writes comes back, and the client JSON stored with it is the thread's own.
        thread.Title = "after, with more";
        thread.Status = new LockedStatus();
        thread.Metadata = new() { ["topic"] = "pancakes" };
        thread.AllowedImageDomains = ["img.example"];
        await Store.UpdateThreadAsync(thread, Alice);
        var reloaded = await Store.LoadThreadAsync(thread.Id, Alice);
        (reloaded.Title, reloaded.Status, reloaded.Metadata["topic"]!.GetValue<string>(), reloaded.AllowedImageDomains)
            .Should().BeEquivalentTo(("after, with more", new LockedStatus(), "pancakes", new[] { "img.example" }));
        var listed = (await Store.LoadWireThreadsAsync(10, null, SortOrder.Asc, Alice)).Data.Single(); // Alice's one thread
        (listed.Json ?? WireThread.ClientJsonOf(listed.Thread!)).Should().Be(WireThread.ClientJsonOf(reloaded));
        if (SendsStoredJson) listed.Json.Should().NotBeNull("an update by this build stamps the JSON it stores");

        var stolen = () => Store.UpdateThreadAsync(thread, Bob);
        await stolen.Should().ThrowAsync<ChatKitNotFoundException>("another user's thread is not found");
        await Store.DeleteThreadAsync(thread.Id, Alice);
        var late = () => Store.UpdateThreadAsync(thread, Alice);

        // A rename or a turn that saves the thread after its user deleted it must not bring it back empty.
        await late.Should().ThrowAsync<ChatKitNotFoundException>();
        (await Store.LoadThreadsAsync(10, null, SortOrder.Asc, Alice, default)).Data.Should().BeEmpty();
        var never = () => Store.UpdateThreadAsync(new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick() }, Alice);
        await never.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task Deleting_a_thread_removes_its_items_and_feedback()
    {
        var thread = await NewThreadAsync();
        var item = Message(thread.Id, "x");
        await Store.AddThreadItemAsync(thread.Id, item, Alice);
        await Store.SaveFeedbackAsync(thread.Id, [item.Id], FeedbackKind.Positive, Alice);

        await Store.DeleteThreadAsync(thread.Id, Alice);

        var load = () => Store.LoadThreadAsync(thread.Id, Alice);
        await load.Should().ThrowAsync<ChatKitNotFoundException>();
        var items = () => Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice);
        await items.Should().ThrowAsync<ChatKitNotFoundException>();
        var again = () => Store.DeleteThreadAsync(thread.Id, Alice);
        await again.Should().NotThrowAsync("deleting a thread that is gone does nothing, like the reference");
    }

    private static UserMessageItem FirstMessage(string threadId, params Attachment[] attachments) => new()
    {
        Id = ChatKitIds.Message(), ThreadId = threadId, CreatedAt = Tick(), Content = [new UserMessageTextContent { Text = "hello" }],
        Attachments = [.. attachments], InferenceOptions = new InferenceOptions(),
    };

    [Test]
    public async Task A_new_thread_is_saved_with_its_first_message_and_the_attachments_that_message_carries()
    {
        var uploaded = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "a.txt", MimeType = "text/plain", Metadata = new JsonObject { ["key"] = "k" } };
        await Store.SaveAttachmentAsync(uploaded, Alice);
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Title = "new" };
        uploaded.ThreadId = thread.Id;
        var message = FirstMessage(thread.Id, uploaded);

        await Store.SaveNewThreadAsync(thread, message, message.Attachments, Alice);

        (await Store.LoadThreadAsync(thread.Id, Alice)).Title.Should().Be("new");
        var items = (await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data;
        items.Should().ContainSingle().Which.Should().BeOfType<UserMessageItem>()
            .Which.Attachments.Should().ContainSingle().Which.Id.Should().Be(uploaded.Id);
        var attachment = await Store.LoadAttachmentAsync(uploaded.Id, Alice);
        attachment.ThreadId.Should().Be(thread.Id);
        attachment.Metadata!["key"]!.GetValue<string>().Should().Be("k");
        (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, Bob)).Data.Should().BeEmpty("the thread is Alice's");
    }

    private async Task<FileAttachment> AttachmentInNewThreadAsync()
    {
        var attachment = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "a.txt", MimeType = "text/plain", Metadata = new JsonObject { ["uploaded"] = true } };
        await Store.SaveAttachmentAsync(attachment, Alice);
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick() };
        var sent = InThread(attachment, thread.Id);
        await Store.SaveNewThreadAsync(thread, FirstMessage(thread.Id, sent), [sent], Alice);
        return sent;
    }

    private static FileAttachment InThread(FileAttachment attachment, string threadId) => new()
    {
        Id = attachment.Id, Name = attachment.Name, MimeType = attachment.MimeType, ThreadId = threadId, Metadata = attachment.Metadata?.DeepClone().AsObject(),
    };

    /// <summary>
    /// An attachment belongs to the thread it was first sent in (deleting that thread deletes its bytes). Found by a hostile
    /// audit (2026-12): two sends that both passed the engine's check each saved it with their own thread.
    /// </summary>
    [Test]
    public async Task An_attachment_in_a_thread_is_not_moved_to_another_or_out_of_it_by_a_save()
    {
        var sent = await AttachmentInNewThreadAsync();
        var threadId = sent.ThreadId!;

        foreach (var elsewhere in new[] { ChatKitIds.Thread(), null })
        {
            var save = () => Store.SaveAttachmentAsync(InThread(sent, elsewhere!), Alice);
            (await save.Should().ThrowAsync<ChatKitConflictException>()).Which.Message.Should().Contain("already sent in another thread");
        }
        (await Store.LoadAttachmentAsync(sent.Id, Alice)).ThreadId.Should().Be(threadId);
        await Store.SaveAttachmentAsync(InThread(sent, threadId), Alice); // its own thread may save it again
    }

    [Test]
    public async Task A_new_thread_or_a_message_carrying_an_attachment_of_another_thread_is_not_saved_at_all()
    {
        var sent = await AttachmentInNewThreadAsync();
        var newThread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick() };
        var other = await NewThreadAsync();

        var create = () => Store.SaveNewThreadAsync(newThread, FirstMessage(newThread.Id, InThread(sent, newThread.Id)), [InThread(sent, newThread.Id)], Alice);
        var add = () => Store.AddUserMessageAsync(other.Id, FirstMessage(other.Id, InThread(sent, other.Id)), [InThread(sent, other.Id)], Alice);

        await create.Should().ThrowAsync<ChatKitConflictException>();
        await add.Should().ThrowAsync<ChatKitConflictException>();
        var load = () => Store.LoadThreadAsync(newThread.Id, Alice);
        await load.Should().ThrowAsync<ChatKitNotFoundException>("the refused thread was not kept without its message");
        (await Store.LoadThreadItemsAsync(other.Id, null, 10, SortOrder.Asc, Alice)).Data.Should().BeEmpty("the refused message was not kept");
        (await Store.LoadAttachmentAsync(sent.Id, Alice)).ThreadId.Should().Be(sent.ThreadId);
    }

    [Test]
    public async Task A_message_with_attachments_is_added_with_them_claimed_for_its_thread()
    {
        var thread = await NewThreadAsync();
        var uploaded = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "b.txt", MimeType = "text/plain", Metadata = new JsonObject { ["key"] = "k" } };
        await Store.SaveAttachmentAsync(uploaded, Alice);
        var sent = InThread(uploaded, thread.Id);

        await Store.AddUserMessageAsync(thread.Id, FirstMessage(thread.Id, sent), [sent], Alice);

        (await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Should().ContainSingle()
            .Which.Should().BeOfType<UserMessageItem>().Which.Attachments.Should().ContainSingle().Which.Id.Should().Be(uploaded.Id);
        var stored = await Store.LoadAttachmentAsync(uploaded.Id, Alice);
        stored.ThreadId.Should().Be(thread.Id);
        stored.Metadata!["key"]!.GetValue<string>().Should().Be("k");
        var missing = () => Store.AddUserMessageAsync(ChatKitIds.Thread(), FirstMessage("thr_none", sent), [sent], Alice);
        await missing.Should().ThrowAsync<ChatKitException>("no such thread (or the attachment is in another)");
    }

    [Test]
    public async Task Of_sends_of_one_attachment_in_new_threads_at_the_same_moment_exactly_one_keeps_it()
    {
        var uploaded = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "c.txt", MimeType = "text/plain", Metadata = new JsonObject { ["uploaded"] = true } };
        await Store.SaveAttachmentAsync(uploaded, Alice);
        var threads = Enumerable.Range(0, 8).Select(_ => new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick() }).ToList();

        var outcomes = await Task.WhenAll(threads.Select(async thread =>
        {
            await Task.Yield();
            try
            {
                var sent = InThread(uploaded, thread.Id);
                await Store.SaveNewThreadAsync(thread, FirstMessage(thread.Id, sent), [sent], Alice);
                return thread.Id;
            }
            catch (ChatKitConflictException)
            {
                return null;
            }
        }));

        var winner = outcomes.Should().ContainSingle(id => id != null).Which;
        (await Store.LoadAttachmentAsync(uploaded.Id, Alice)).ThreadId.Should().Be(winner);
        (await Store.LoadThreadsAsync(100, null, SortOrder.Desc, Alice)).Data.Select(t => t.Id).Intersect(threads.Select(t => t.Id))
            .Should().Equal([winner], "the others kept no thread");
    }

    [Test]
    public async Task A_new_thread_whose_id_is_another_users_thread_is_not_found_and_adds_nothing_to_it()
    {
        var bobs = await NewThreadAsync(Bob, title: "Bob's");
        var save = () => Store.SaveNewThreadAsync(new ThreadMetadata { Id = bobs.Id, CreatedAt = Tick(), Title = "Alice's" }, FirstMessage(bobs.Id), [], Alice);

        await save.Should().ThrowAsync<ChatKitNotFoundException>();
        (await Store.LoadThreadAsync(bobs.Id, Bob)).Title.Should().Be("Bob's");
        (await Store.LoadThreadItemsAsync(bobs.Id, null, 10, SortOrder.Asc, Bob)).Data.Should().BeEmpty();
    }

    [Test]
    public async Task Attachments_keep_their_metadata_and_can_be_deleted()
    {
        var attachment = new ImageAttachment
        {
            Id = ChatKitIds.Attachment(), Name = "cat.png", MimeType = "image/png", PreviewUrl = "https://x/p",
            Metadata = new JsonObject { ["storage_key"] = "abc" },
        };
        await Store.SaveAttachmentAsync(attachment, Alice);
        attachment.ThreadId = "thr_1";
        await Store.SaveAttachmentAsync(attachment, Alice);

        var loaded = await Store.LoadAttachmentAsync(attachment.Id, Alice);
        loaded.Should().BeOfType<ImageAttachment>().Which.PreviewUrl.Should().Be("https://x/p");
        loaded.ThreadId.Should().Be("thr_1");
        loaded.Metadata!["storage_key"]!.GetValue<string>().Should().Be("abc");

        await Store.DeleteAttachmentAsync(attachment.Id, Alice);
        var gone = () => Store.LoadAttachmentAsync(attachment.Id, Alice);
        await gone.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task Feedback_sent_twice_at_the_same_moment_is_saved_once_and_neither_call_fails()
    {
        var thread = await NewThreadAsync();
        var item = Message(thread.Id, "rate me");
        await Store.AddThreadItemAsync(thread.Id, item, Alice);

        var clicks = Enumerable.Range(0, 8).Select(i => Task.Run(() => Store.SaveFeedbackAsync(thread.Id, [item.Id, item.Id], i % 2 == 0 ? FeedbackKind.Positive : FeedbackKind.Negative, Alice)));
        await Task.WhenAll(clicks);

        await Store.SaveFeedbackAsync(thread.Id, [item.Id], FeedbackKind.Negative, Alice);
        await Store.DeleteThreadItemAsync(thread.Id, item.Id, Alice); // the item's feedback goes with it, whatever rows there were
        (await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Should().BeEmpty();
    }

    [Test]
    public async Task Feedback_on_unknown_items_is_not_found()
    {
        var thread = await NewThreadAsync();
        var act = () => Store.SaveFeedbackAsync(thread.Id, ["msg_nope"], FeedbackKind.Negative, Alice);
        await act.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task An_unknown_cursor_is_a_validation_error()
    {
        var thread = await NewThreadAsync();
        var threads = () => Store.LoadThreadsAsync(10, "thr_unknown", SortOrder.Desc, Alice);
        (await threads.Should().ThrowAsync<ChatKitValidationException>()).Which.Message.Should().Contain("thr_unknown");
        var items = () => Store.LoadThreadItemsAsync(thread.Id, "msg_unknown", 10, SortOrder.Desc, Alice);
        await items.Should().ThrowAsync<ChatKitValidationException>();
    }

    [Test]
    public async Task Another_user_finds_nothing_lists_nothing_and_changes_nothing()
    {
        var thread = await NewThreadAsync(title: "Alice's");
        var item = Message(thread.Id, "private");
        await Store.AddThreadItemAsync(thread.Id, item, Alice);
        var attachment = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "a.txt", MimeType = "text/plain" };
        await Store.SaveAttachmentAsync(attachment, Alice);

        (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, Bob)).Data.Should().BeEmpty();
        var attempts = new Func<Task>[]
        {
            () => Store.LoadThreadAsync(thread.Id, Bob),
            () => Store.SaveThreadAsync(new ThreadMetadata { Id = thread.Id, CreatedAt = Tick(), Title = "Bob's now" }, Bob),
            () => Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Bob),
            () => Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "intruder"), Bob),
            () => Store.SaveItemAsync(thread.Id, Message(thread.Id, "intruder"), Bob),
            () => Store.LoadItemAsync(thread.Id, item.Id, Bob),
            () => Store.LoadRecentItemsOfKindsAsync(thread.Id, 10, new HashSet<string> { ItemTypes.AssistantMessage }, Bob),
            () => Store.DeleteThreadItemAsync(thread.Id, item.Id, Bob),
            () => Store.SaveFeedbackAsync(thread.Id, [item.Id], FeedbackKind.Negative, Bob),
            () => Store.LoadAttachmentAsync(attachment.Id, Bob),
            () => Store.SaveAttachmentAsync(attachment, Bob),
            () => Store.DeleteAttachmentAsync(attachment.Id, Bob),
        };
        // Differs from the reference on purpose: its store answers an empty page for another user's thread; ours
        // says "not found" like every other read of it (the server answers 404, documented in the README).
        for (var i = 0; i < attempts.Length; i++)
            await attempts[i].Should().ThrowAsync<ChatKitNotFoundException>($"attempt #{i}");
        await Store.DeleteThreadAsync(thread.Id, Bob); // does nothing: not Bob's (and says nothing either way)

        (await Store.LoadThreadAsync(thread.Id, Alice)).Title.Should().Be("Alice's");
        (await Store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, Alice)).Data.Select(TextOf).Should().Equal("private");
        (await Store.LoadAttachmentAsync(attachment.Id, Alice)).Name.Should().Be("a.txt");
    }

    // What the reference's own store tests (openai/chatkit-python tests/test_store.py) promise, in our words.

    private static UserMessageItem UserMessage(string threadId, string id, DateTimeOffset at, params Attachment[] attachments) => new()
    {
        Id = id, ThreadId = threadId, CreatedAt = at, Content = [new UserMessageTextContent { Text = id }], Attachments = [.. attachments],
    };

    private async Task<List<string>> ItemIdsAsync(string threadId, SortOrder order, string? after = null, int limit = 100) =>
        (await Store.LoadThreadItemsAsync(threadId, after, limit, order, Alice)).Data.Select(i => i.Id).ToList();

    [Test]
    public async Task A_thread_without_a_title_reads_back_without_one_and_keeps_its_metadata()
    {
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Tick(), Metadata = new JsonObject { ["test"] = "test" } };
        await Store.SaveThreadAsync(thread, Alice);

        var loaded = await Store.LoadThreadAsync(thread.Id, Alice);

        loaded.Title.Should().BeNull();
        JsonNode.DeepEquals(loaded.Metadata, thread.Metadata).Should().BeTrue();
    }

    [TestCase(SortOrder.Asc)]
    [TestCase(SortOrder.Desc)]
    public async Task Thread_pages_end_with_their_last_id_as_cursor_only_while_more_follow(SortOrder order)
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await NewThreadAsync()).Id);
        if (order == SortOrder.Desc) ids.Reverse();

        var first = await Store.LoadThreadsAsync(2, null, order, Alice);
        first.Data.Select(t => t.Id).Should().Equal(ids[0], ids[1]);
        first.HasMore.Should().BeTrue();
        first.After.Should().Be(ids[1]);

        var last = await Store.LoadThreadsAsync(2, first.After, order, Alice);
        last.Data.Select(t => t.Id).Should().Equal(ids[2]);
        last.HasMore.Should().BeFalse();
        last.After.Should().BeNull("the last page has no cursor");

        var whole = await Store.LoadThreadsAsync(3, null, order, Alice);
        whole.HasMore.Should().BeFalse();
        whole.After.Should().BeNull("a full page that is also the last one has no cursor either");
    }

    [Test]
    public async Task Item_pages_start_after_the_cursor_in_both_orders_and_the_last_page_has_no_cursor()
    {
        var thread = await NewThreadAsync();
        var start = Tick();
        for (var i = 0; i < 5; i++) await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, $"msg{i}", start.AddSeconds(i)), Alice);

        var afterAsc = await Store.LoadThreadItemsAsync(thread.Id, "msg1", 3, SortOrder.Asc, Alice);
        afterAsc.Data.Select(i => i.Id).Should().Equal("msg2", "msg3", "msg4");
        afterAsc.HasMore.Should().BeFalse();
        afterAsc.After.Should().BeNull();
        var firstAsc = await Store.LoadThreadItemsAsync(thread.Id, null, 2, SortOrder.Asc, Alice);
        firstAsc.Data.Select(i => i.Id).Should().Equal("msg0", "msg1");
        firstAsc.HasMore.Should().BeTrue();
        firstAsc.After.Should().Be("msg1");

        var afterDesc = await Store.LoadThreadItemsAsync(thread.Id, "msg3", 3, SortOrder.Desc, Alice);
        afterDesc.Data.Select(i => i.Id).Should().Equal("msg2", "msg1", "msg0");
        afterDesc.HasMore.Should().BeFalse();
        afterDesc.After.Should().BeNull();
        var firstDesc = await Store.LoadThreadItemsAsync(thread.Id, null, 2, SortOrder.Desc, Alice);
        firstDesc.Data.Select(i => i.Id).Should().Equal("msg4", "msg3");
        firstDesc.After.Should().Be("msg3");
    }

    [Test]
    public async Task Items_are_ordered_by_created_at_then_by_arrival_whatever_order_they_are_added_in()
    {
        var thread = await NewThreadAsync();
        var at = Tick().AddTicks(6388550); // a time with every microsecond digit used
        var microsecond = TimeSpan.FromTicks(10);
        // Added out of time order; b and b2 share a time (arrival decides), a and b are one microsecond apart.
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "c", at + 2 * microsecond), Alice);
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "b", at + microsecond), Alice);
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "a", at), Alice);
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "b2", at + microsecond), Alice);

        (await ItemIdsAsync(thread.Id, SortOrder.Asc)).Should().Equal("a", "b", "b2", "c");
        (await ItemIdsAsync(thread.Id, SortOrder.Desc)).Should().Equal("c", "b2", "b", "a");
        var walked = new List<string>();
        string? after = null;
        do
        {
            var page = await Store.LoadThreadItemsAsync(thread.Id, after, 1, SortOrder.Asc, Alice);
            walked.AddRange(page.Data.Select(i => i.Id));
            after = page.After;
        } while (after is not null);
        walked.Should().Equal("a", "b", "b2", "c");
        (await ItemIdsAsync(thread.Id, SortOrder.Desc, after: "b2", limit: 1)).Should().Equal("b");
    }

    [Test]
    public async Task Times_read_back_exactly_to_the_microsecond()
    {
        var at = DateTimeOffset.Parse("2026-11-23T10:00:37.638855+00:00", System.Globalization.CultureInfo.InvariantCulture);
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = at };
        await Store.SaveThreadAsync(thread, Alice);
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "msg_1", at), Alice);

        (await Store.LoadThreadAsync(thread.Id, Alice)).CreatedAt.UtcTicks.Should().Be(at.UtcTicks);
        (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, Alice)).Data.Single().CreatedAt.UtcTicks.Should().Be(at.UtcTicks);
        (await Store.LoadItemAsync(thread.Id, "msg_1", Alice)).CreatedAt.Should().Be(at);
        Json.ChatKitJson.Serialize(await Store.LoadThreadAsync(thread.Id, Alice)).Should().Contain("\"2026-11-23T10:00:37.638855+00:00\"");
    }

    [Test]
    public async Task Threads_are_listed_by_created_at_whatever_order_they_are_saved_in()
    {
        var start = Tick();
        Tick();
        foreach (var (id, offset) in new[] { ("thr_late", 2), ("thr_early", 0), ("thr_middle", 1) })
            await Store.SaveThreadAsync(new ThreadMetadata { Id = id, CreatedAt = start.AddSeconds(offset) }, Alice);

        (await Store.LoadThreadsAsync(10, null, SortOrder.Asc, Alice)).Data.Select(t => t.Id).Should().Equal("thr_early", "thr_middle", "thr_late");
        (await Store.LoadThreadsAsync(10, null, SortOrder.Desc, Alice)).Data.Select(t => t.Id).Should().Equal("thr_late", "thr_middle", "thr_early");
        (await Store.LoadThreadsAsync(1, "thr_early", SortOrder.Asc, Alice)).Data.Select(t => t.Id).Should().Equal("thr_middle");
    }

    [Test]
    public async Task Loading_an_item_the_thread_does_not_have_is_not_found()
    {
        var thread = await NewThreadAsync();
        var load = () => Store.LoadItemAsync(thread.Id, "does_not_exist", Alice);
        await load.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task Saving_an_item_again_changes_what_it_says_not_where_it_is()
    {
        var thread = await NewThreadAsync();
        var answer = new AssistantMessageItem { Id = "msg_a", ThreadId = thread.Id, CreatedAt = Tick(), Content = [] };
        await Store.AddThreadItemAsync(thread.Id, answer, Alice);
        await Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "later"), Alice);

        answer.Content = [new AssistantMessageContent { Text = "This is an assistant message." }];
        answer.CreatedAt = Tick(); // a replacement built later keeps the place of the item it replaces
        await Store.SaveItemAsync(thread.Id, answer, Alice);

        TextOf(await Store.LoadItemAsync(thread.Id, "msg_a", Alice)).Should().Be("This is an assistant message.");
        (await ItemIdsAsync(thread.Id, SortOrder.Asc))[0].Should().Be("msg_a");
    }

    [Test]
    public async Task A_file_attachment_round_trips_with_its_metadata()
    {
        var file = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "test.txt", MimeType = "text/plain", Metadata = new JsonObject { ["source"] = "test" } };
        await Store.SaveAttachmentAsync(file, Alice);

        var loaded = await Store.LoadAttachmentAsync(file.Id, Alice);

        loaded.Should().BeOfType<FileAttachment>();
        Json.ChatKitJson.Serialize(loaded).Should().Be(Json.ChatKitJson.Serialize<Attachment>(file));
        JsonNode.DeepEquals(loaded.Metadata, file.Metadata).Should().BeTrue();
    }

    [Test]
    public async Task A_user_message_keeps_its_attachments_metadata()
    {
        var thread = await NewThreadAsync();
        var file = new FileAttachment { Id = "file_1", Name = "test.txt", MimeType = "text/plain", ThreadId = thread.Id, Metadata = new JsonObject { ["source"] = "test" } };
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "msg_u", Tick(), file), Alice);

        var loaded = (UserMessageItem)await Store.LoadItemAsync(thread.Id, "msg_u", Alice);

        JsonNode.DeepEquals(loaded.Attachments.Single().Metadata, file.Metadata).Should().BeTrue();
    }

    [Test]
    public async Task Deleting_a_thread_deletes_the_records_of_the_attachments_its_messages_used_and_no_others()
    {
        var thread = await NewThreadAsync();
        var other = await NewThreadAsync();
        Attachment Used(string threadId) => new FileAttachment { Id = ChatKitIds.Attachment(), Name = "a.txt", MimeType = "text/plain", ThreadId = threadId };
        var mine = Used(thread.Id);
        var theirs = Used(other.Id);
        var unused = new FileAttachment { Id = ChatKitIds.Attachment(), Name = "b.txt", MimeType = "text/plain" };
        foreach (var attachment in new[] { mine, theirs, unused }) await Store.SaveAttachmentAsync(attachment, Alice);
        await Store.AddThreadItemAsync(thread.Id, UserMessage(thread.Id, "msg_u", Tick(), mine), Alice);

        await Store.DeleteThreadAsync(thread.Id, Alice);

        var gone = () => Store.LoadAttachmentAsync(mine.Id, Alice);
        await gone.Should().ThrowAsync<ChatKitNotFoundException>();
        (await Store.LoadAttachmentAsync(theirs.Id, Alice)).ThreadId.Should().Be(other.Id);
        (await Store.LoadAttachmentAsync(unused.Id, Alice)).Name.Should().Be("b.txt");
    }

    [Test]
    public async Task Fifty_concurrent_writers_on_one_thread_and_on_fifty_threads_lose_nothing()
    {
        var thread = await NewThreadAsync();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => Store.AddThreadItemAsync(thread.Id, Message(thread.Id, "c" + i), Alice))));
        var threads = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => NewThreadAsync())));

        var items = (await Store.LoadThreadItemsAsync(thread.Id, null, 100, SortOrder.Asc, Alice)).Data;
        items.Select(TextOf).Should().BeEquivalentTo(Enumerable.Range(0, 50).Select(i => "c" + i));
        (await Store.LoadThreadItemsAsync(thread.Id, null, 100, SortOrder.Asc, Alice)).Data.Select(i => i.Id).Should().Equal(items.Select(i => i.Id), "the order is stable");
        var listed = new List<string>();
        string? after = null;
        Page<ThreadMetadata> page;
        do
        {
            page = await Store.LoadThreadsAsync(20, after, SortOrder.Asc, Alice);
            listed.AddRange(page.Data.Select(t => t.Id));
            after = page.After;
        } while (page.HasMore);
        listed.Should().Contain(threads.Select(t => t.Id)).And.OnlyHaveUniqueItems();
    }
}

/// <summary>The library's in-memory store.</summary>
public sealed class InMemoryStoreContractTests : StoreContractTests
{
    protected override Task<IChatKitStore> CreateStoreAsync() => Task.FromResult<IChatKitStore>(new InMemoryChatKitStore());
}
