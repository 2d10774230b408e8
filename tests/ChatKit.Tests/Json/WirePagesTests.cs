using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.Tests.Json;

/// <summary>
/// <c>items.list</c> may send an item's stored JSON as it is (<see cref="WireItem"/>): only when the stored form is the wire
/// form (<see cref="ChatKitStorageJson.IsWireForm"/>), and the page it writes must be the bytes the serializer writes for the
/// same items. <c>threads.list</c> may send a thread's stored client JSON (<see cref="WireThread"/>), and its page must be the
/// bytes the serializer writes for the same threads.
/// </summary>
public class WirePagesTests
{
    private static IEnumerable<ThreadItem> GoldenItems() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "items"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => ChatKitJson.Deserialize<ThreadItem>(File.ReadAllText(f)));

    private static UserMessageItem WithAttachment() => new()
    {
        Id = "msg_a", ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch,
        Content = [new UserMessageTextContent { Text = "see file" }],
        Attachments = [new FileAttachment { Id = "atc_1", Name = "a.txt", MimeType = "text/plain", ThreadId = "thr_1", Metadata = new JsonObject { ["secret"] = "kept in storage" } }],
    };

    [Test]
    public void Every_item_whose_stored_form_is_its_wire_form_stores_exactly_the_wire_bytes()
    {
        var items = GoldenItems().ToList();
        items.Should().HaveCountGreaterThan(10);
        foreach (var item in items.Where(ChatKitStorageJson.IsWireForm))
            ChatKitStorageJson.Serialize(item).Should().Be(ChatKitJson.Serialize(item), item.Kind);
    }

    [Test]
    public void A_message_with_attachments_is_not_stored_in_its_wire_form_and_says_so()
    {
        var message = WithAttachment();

        ChatKitStorageJson.IsWireForm(message).Should().BeFalse();
        ChatKitStorageJson.Serialize(message).Should().Contain("kept in storage");
        ChatKitJson.Serialize(message).Should().NotContain("kept in storage");
        ChatKitStorageJson.IsWireForm(new UserMessageItem { Id = "msg_b", ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch }).Should().BeTrue();
    }

    [Test]
    public void Only_user_messages_can_hold_attachments_so_the_rule_covers_every_item_type()
    {
        // IsWireForm names the one item type with stored-only members; an item type that gains an attachment must be named there too.
        static bool Holds(Type type, HashSet<Type> seen)
        {
            if (typeof(Attachment).IsAssignableFrom(type)) return true;
            if (type.IsPrimitive || type == typeof(string) || type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true && !type.IsGenericType) return false;
            if (!seen.Add(type)) return false;
            var inner = type.IsGenericType ? type.GetGenericArguments() : [];
            return inner.Any(t => Holds(t, seen)) ||
                   type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => Holds(p.PropertyType, seen)) ||
                   (!type.IsSealed && typeof(ThreadItem).Assembly.GetTypes().Where(t => t.IsSubclassOf(type)).Any(t => Holds(t, seen)));
        }

        var itemTypes = typeof(ThreadItem).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ThreadItem)) && !t.IsAbstract).ToList();
        itemTypes.Should().Contain(typeof(UserMessageItem));
        itemTypes.Where(t => Holds(t, [])).Should().Equal(typeof(UserMessageItem));
    }

    [TestCase(false, null)]
    [TestCase(true, "msg_next")]
    public void A_page_of_stored_json_and_items_is_the_bytes_of_the_page_of_items(bool hasMore, string? after)
    {
        var items = GoldenItems().Append(WithAttachment()).ToList();
        var wire = new Page<WireItem>
        {
            Data = items.Select(i => ChatKitStorageJson.IsWireForm(i) ? new WireItem(ChatKitStorageJson.Serialize(i)) : new WireItem(i)).ToList(),
            HasMore = hasMore, After = after,
        };
        wire.Data.Count(w => w.Json is not null).Should().BeGreaterThan(5, "most items come as their stored JSON");

        var written = WirePages.Serialize(wire);

        Encoding.UTF8.GetString(written).Should().Be(ChatKitJson.Serialize(new Page<ThreadItem> { Data = items, HasMore = hasMore, After = after }));
    }

    private static IEnumerable<TestCaseData> Threads()
    {
        var golden = ChatKitJson.Deserialize<ChatKitThread>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "pages", "Thread.json")));
        yield return new TestCaseData(golden).SetName("the golden thread (closed, image domains)");
        yield return new TestCaseData(new ThreadMetadata
        {
            Id = "thr_2", Title = "Grüße \"quoted\" 🎉", CreatedAt = DateTimeOffset.UnixEpoch.AddTicks(1234567),
            Status = new LockedStatus { Reason = "busy" }, Metadata = new JsonObject { ["never"] = "sent" },
        }).SetName("a locked thread with a title and metadata");
        yield return new TestCaseData(new ThreadMetadata { Id = "thr_3", CreatedAt = DateTimeOffset.UnixEpoch }).SetName("an active thread without a title");
    }

    [TestCaseSource(nameof(Threads))]
    public void A_thread_with_a_page_of_stored_json_and_items_is_the_bytes_of_the_thread_for_clients(ThreadMetadata thread)
    {
        var items = GoldenItems().Append(WithAttachment()).ToList();
        var page = new Page<ThreadItem> { Data = items, HasMore = true, After = "msg_next" };
        var wire = new Page<WireItem>
        {
            Data = items.Select(i => ChatKitStorageJson.IsWireForm(i) && !i.IsHidden ? new WireItem(ChatKitStorageJson.Serialize(i)) : new WireItem(i)).ToList(),
            HasMore = true, After = "msg_next",
        };

        var written = Encoding.UTF8.GetString(WirePages.SerializeThread(thread, wire));

        written.Should().Be(ChatKitJson.Serialize(ChatKitThread.ForClient(thread, page)), "hidden items that come as items are left out, as ForClient leaves them out");
        written.Should().NotContain("\"never\"");
        Encoding.UTF8.GetString(WirePages.SerializeThread(thread, new Page<WireItem>())).Should().Be(ChatKitJson.Serialize(ChatKitThread.ForClient(thread, new Page<ThreadItem>())));
    }

    [Test]
    public void An_empty_page_is_written_as_the_serializer_writes_it() =>
        Encoding.UTF8.GetString(WirePages.Serialize(new Page<WireItem>())).Should().Be(ChatKitJson.Serialize(new Page<ThreadItem>()));

    [Test]
    public async Task The_default_store_method_answers_every_item_as_an_item()
    {
        IChatKitStore store = new InMemoryChatKitStore();
        var context = new ChatKitContext { UserId = "u" };
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch }, context);
        await store.AddThreadItemAsync("thr_1", WithAttachment(), context);
        await store.AddThreadItemAsync("thr_1", new HiddenContextItem { Id = "hc_1", ThreadId = "thr_1", CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(1), Content = "x" }, context);

        var page = await store.LoadVisibleWireItemsAsync("thr_1", null, 10, SortOrder.Asc, context);

        page.Data.Should().ContainSingle().Which.Item.Should().BeOfType<UserMessageItem>();
        page.Data[0].Json.Should().BeNull();
    }

    private static List<ThreadMetadata> ThreadList() => Threads().Select(t => (ThreadMetadata)t.Arguments[0]!).Concat(
    [
        new ThreadMetadata { Id = "thr_4", Title = "", CreatedAt = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(2)), AllowedImageDomains = [] },
        new ThreadMetadata { Id = "thr_5", Title = "<b>&'\\\u0001</b>", CreatedAt = DateTimeOffset.UnixEpoch, Status = new ClosedStatus(), AllowedImageDomains = ["a.example", "b.example"] },
    ]).ToList();

    [TestCase(false, null)]
    [TestCase(true, "thr_next")]
    [TestCase(true, "thr_\"odd\" é")]
    public void A_page_of_stored_client_json_and_threads_is_the_bytes_of_the_page_of_threads_for_clients(bool hasMore, string? after)
    {
        var threads = ThreadList();
        var expected = ChatKitJson.Serialize(new Page<ChatKitThread> { Data = threads.ConvertAll(t => ChatKitThread.ForClient(t)), HasMore = hasMore, After = after });

        foreach (var asJson in new Func<int, bool>[] { _ => true, _ => false, i => i % 2 == 0 })
        {
            var wire = new Page<WireThread>
            {
                Data = threads.Select((t, i) => asJson(i) ? new WireThread(WireThread.ClientJsonOf(t)) : new WireThread(t)).ToList(),
                HasMore = hasMore, After = after,
            };

            Encoding.UTF8.GetString(WirePages.SerializeThreads(wire)).Should().Be(expected);
        }
        expected.Should().NotContain("\"never\"", "integration metadata is not sent");
    }

    [Test]
    public void Answers_written_one_after_another_on_one_thread_hold_only_their_own_bytes()
    {
        // The answers share a buffer per thread: a small answer after a large one, after one larger than the kept buffer,
        // and after one that failed midway must each be exactly the serializer's bytes.
        var small = new Page<WireThread> { Data = [new WireThread(new ThreadMetadata { Id = "thr_s", CreatedAt = DateTimeOffset.UnixEpoch })] };
        var smallBytes = ChatKitJson.Serialize(new Page<ChatKitThread> { Data = [ChatKitThread.ForClient(small.Data[0].Thread!)] });
        ThreadMetadata Large(int i, int titleLength) => new() { Id = $"thr_{i}", Title = new string('t', titleLength), CreatedAt = DateTimeOffset.UnixEpoch };
        foreach (var titleLength in new[] { 500, 5_000 }) // 20 threads of 500 or 5,000 characters: ~10 KB, then past KeptBufferBytes
        {
            var large = Enumerable.Range(0, 20).Select(i => Large(i, titleLength)).ToList();
            var largeBytes = WirePages.SerializeThreads(new Page<WireThread> { Data = large.ConvertAll(t => new WireThread(WireThread.ClientJsonOf(t))) });
            largeBytes.Length.Should().Be(Encoding.UTF8.GetByteCount(ChatKitJson.Serialize(new Page<ChatKitThread> { Data = large.ConvertAll(t => ChatKitThread.ForClient(t)) })));
            Encoding.UTF8.GetString(WirePages.SerializeThreads(small)).Should().Be(smallBytes);
            Encoding.UTF8.GetString(WirePages.Serialize(new Page<WireItem>())).Should().Be(ChatKitJson.Serialize(new Page<ThreadItem>()));
        }
        (20 * 5_000).Should().BeGreaterThan(WirePages.KeptBufferBytes, "the second large answer outgrows the kept buffer");

        var broken = new Page<WireThread> { Data = [new WireThread(new ThreadMetadata { Id = "thr_b", CreatedAt = DateTimeOffset.UnixEpoch }), default] };
        FluentActions.Invoking(() => WirePages.SerializeThreads(broken)).Should().Throw<Exception>("a thread that is neither JSON nor a thread cannot be written");
        Encoding.UTF8.GetString(WirePages.SerializeThreads(small)).Should().Be(smallBytes);
    }

    [Test]
    public void An_empty_page_of_threads_is_written_as_the_serializer_writes_it() =>
        Encoding.UTF8.GetString(WirePages.SerializeThreads(new Page<WireThread>())).Should().Be(ChatKitJson.Serialize(new Page<ChatKitThread>()));

    [Test]
    public async Task The_default_store_method_answers_every_thread_as_a_thread()
    {
        IChatKitStore store = new InMemoryChatKitStore();
        var context = new ChatKitContext { UserId = "u" };
        foreach (var thread in ThreadList()) await store.SaveThreadAsync(thread, context);

        var page = await store.LoadWireThreadsAsync(2, null, SortOrder.Desc, context);
        var threads = await store.LoadThreadsAsync(2, null, SortOrder.Desc, context);

        page.Data.Select(w => w.Json).Should().AllBeEquivalentTo((string?)null);
        page.Data.Select(w => w.Thread!.Id).Should().Equal(threads.Data.Select(t => t.Id));
        (page.HasMore, page.After).Should().Be((threads.HasMore, threads.After));
    }
}
