using System.Diagnostics.Metrics;
using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SQLitePCL;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The SQLite write path: one writer at a time through the gate, WAL with synchronous=NORMAL.</summary>
public sealed class SqliteWritePathTests
{
    private string _folder = null!;
    private ServiceProvider _services = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(_folder, "chatkit.db")}"))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Every_connection_uses_wal_with_synchronous_normal()
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        (await command.ExecuteScalarAsync()).Should().Be("wal");
        command.CommandText = "PRAGMA synchronous;";
        (await command.ExecuteScalarAsync()).Should().Be(1L, "1 is NORMAL (2 is FULL, the default)");
    }

    [Test]
    public async Task The_sqlite_gate_lets_one_writer_through_at_a_time()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        second.IsCompleted.Should().BeFalse("the first writer still holds the gate");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Test]
    public async Task Writes_queued_together_commit_in_one_transaction_and_one_that_fails_fails_alone()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        var store = _services.GetRequiredService<IChatKitStore>();
        var alice = new ChatKitContext { UserId = "alice" };
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_batch", CreatedAt = DateTimeOffset.UtcNow }, alice);
        var transactions = new List<string?>();

        // While a writer holds the gate, the next writes queue up; they then go in as one batch, also the
        // first of them, whose drainer was already waiting for the gate when the others queued.
        var writes = new Task[5];
        Task Write(int i) => gate.WriteAsync(contexts, async db =>
        {
            lock (transactions) transactions.Add(db.Database.CurrentTransaction?.TransactionId.ToString());
            if (i == 2) throw new InvalidOperationException("write 2 fails");
            db.Items.Add(new ItemRecord { Id = $"msg_{i}", ThreadId = "thr_batch", UserId = "alice", Type = "user_message", CreatedAt = DateTimeOffset.UtcNow, Json = "{}" });
            await db.SaveChangesAsync();
        }, CancellationToken.None);
        using (await gate.EnterAsync(CancellationToken.None))
        {
            writes[0] = Write(0);
            await Task.Delay(100);
            for (var i = 1; i < writes.Length; i++) writes[i] = Write(i);
            await Task.Delay(100);
            writes.Should().OnlyContain(w => !w.IsCompleted, "nothing is answered before its transaction commits");
        }

        var failed = () => writes[2];
        await failed.Should().ThrowAsync<InvalidOperationException>().WithMessage("write 2 fails");
        await Task.WhenAll(writes.Where((_, i) => i != 2));
        transactions.Should().HaveCount(5).And.OnlyContain(t => t != null && t == transactions[0], "the five writes shared one transaction");
        await using var db = await contexts.CreateDbContextAsync();
        (await db.Items.Where(i => i.ThreadId == "thr_batch").Select(i => i.Id).OrderBy(i => i).ToListAsync())
            .Should().Equal("msg_0", "msg_1", "msg_3", "msg_4");
    }

    [Test]
    public async Task Each_write_reports_how_long_it_took_and_whether_it_queued_and_each_commit_its_writes_and_duration()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        var store = _services.GetRequiredService<IChatKitStore>();
        var alice = new ChatKitContext { UserId = "alice" };
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_metrics", CreatedAt = DateTimeOffset.UtcNow }, alice);
        var writes = new List<(double Seconds, bool Queued)>();
        var commits = new List<double>();
        var commitSizes = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatKitTelemetry.Name && instrument.Name.StartsWith("chatkit.store.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (writes)
            {
                if (instrument.Name == "chatkit.store.write.duration")
                    writes.Add((value, tags.ToArray().Single(t => t.Key == ChatKitTelemetry.StoreWriteQueuedTag).Value is true));
                else if (instrument.Name == "chatkit.store.commit.duration") commits.Add(value);
            }
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            if (instrument.Name == "chatkit.store.commit.writes") lock (writes) commitSizes.Add(value);
        });
        listener.Start();

        // Three writes arrive while a writer holds the gate for 200 ms: the first to come drains (not queued), the other two
        // find it draining and wait for its commit; all three go in one commit.
        Task Write(int i) => store.AddThreadItemAsync("thr_metrics", new UserMessageItem
        {
            Id = $"msg_{i}", ThreadId = "thr_metrics", CreatedAt = DateTimeOffset.UtcNow,
            Content = [new UserMessageTextContent { Text = $"message {i}" }], InferenceOptions = new InferenceOptions(),
        }, alice);
        Task[] pending;
        using (await gate.EnterAsync(CancellationToken.None))
        {
            var first = Write(0);
            await Task.Delay(50);
            pending = [first, Write(1), Write(2)];
            await Task.Delay(150);
        }
        await Task.WhenAll(pending);
        await Write(3); // alone: nothing to wait for

        lock (writes)
        {
            writes.Should().HaveCount(4);
            writes.Count(w => w.Queued).Should().Be(2, "two writes found the first one's drainer running");
            writes.Take(3).Should().OnlyContain(w => w.Seconds >= 0.1, "each of the three waited for the held writer");
            writes.Last().Should().Match<(double Seconds, bool Queued)>(w => !w.Queued && w.Seconds < 5);
            commitSizes.Should().Equal([3, 1], "the three queued writes shared one commit, the last went alone");
            commits.Should().HaveCount(2).And.OnlyContain(c => c >= 0 && c < 5);
        }
    }

    [Test]
    public async Task A_write_with_nothing_queued_runs_on_its_callers_thread()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        await gate.WriteAsync(contexts, _ => Task.CompletedTask, CancellationToken.None); // opens the connection the writer keeps

        var caller = Environment.CurrentManagedThreadId;
        var writer = -1;
        var write = gate.WriteAsync(contexts, _ =>
        {
            writer = Environment.CurrentManagedThreadId;
            return Task.CompletedTask;
        }, CancellationToken.None);
        var writerBeforeTheCallReturned = writer;
        await write;

        writerBeforeTheCallReturned.Should().Be(caller,
            "a caller that finds no drainer commits its own write, inside its call, instead of handing it to another thread");
    }

    [Test]
    public async Task Writes_queued_behind_a_caller_draining_for_itself_are_committed_after_it_is_answered()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        var store = _services.GetRequiredService<IChatKitStore>();
        await store.SaveThreadAsync(new ThreadMetadata { Id = "thr_behind", CreatedAt = DateTimeOffset.UtcNow }, new ChatKitContext { UserId = "alice" });
        var release = new TaskCompletionSource();
        Task Write(string id, Task? before = null) => gate.WriteAsync(contexts, async db =>
        {
            if (before is not null) await before;
            db.Items.Add(new ItemRecord { Id = id, ThreadId = "thr_behind", UserId = "alice", Type = "user_message", CreatedAt = DateTimeOffset.UtcNow, Json = "{}" });
            await db.SaveChangesAsync();
        }, CancellationToken.None);

        var first = Write("msg_first", release.Task); // drains for itself, and holds the writer while it waits
        var behind = new[] { Write("msg_b"), Write("msg_c") };
        await Task.Delay(100);
        behind.Should().OnlyContain(w => !w.IsCompleted, "the writer is still busy with the first write");

        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(behind).WaitAsync(TimeSpan.FromSeconds(10));
        await using var db = await contexts.CreateDbContextAsync();
        (await db.Items.Where(i => i.ThreadId == "thr_behind").Select(i => i.Id).OrderBy(i => i).ToListAsync())
            .Should().Equal("msg_b", "msg_c", "msg_first");
    }

    private static readonly AsyncLocal<string?> Caller = new();

    [Test]
    public async Task Each_write_runs_in_its_own_callers_execution_context_whoever_commits_it()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        Task Write(string caller, bool holdTheWriter = false) => Task.Run(async () =>
        {
            Caller.Value = caller;
            using var activity = new System.Diagnostics.Activity("request " + caller).Start();
            await gate.WriteAsync(contexts, async _ =>
            {
                seen[caller + " before its await"] = $"{Caller.Value} / {System.Diagnostics.Activity.Current?.OperationName}";
                if (holdTheWriter)
                {
                    entered.SetResult();
                    await release.Task;
                }
                await Task.Yield();
                seen[caller + " after its await"] = $"{Caller.Value} / {System.Diagnostics.Activity.Current?.OperationName}";
            }, CancellationToken.None);
        });

        var first = Write("a", holdTheWriter: true); // drains for itself: b and c queue behind it and go to the drainer it hands over to
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var behind = new[] { Write("b"), Write("c") };
        await Task.Delay(100);
        release.SetResult();
        await Task.WhenAll(behind.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        seen.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["a before its await"] = "a / request a", ["a after its await"] = "a / request a",
            ["b before its await"] = "b / request b", ["b after its await"] = "b / request b",
            ["c before its await"] = "c / request c", ["c after its await"] = "c / request c",
        }, "a write committed by another caller's drain still logs and traces as part of its own request");
    }

    [Test]
    public async Task The_sql_server_registration_does_not_gate_writes()
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlServer("Server=unused;Database=unused"))
            .BuildServiceProvider();
        var gate = services.GetRequiredService<ChatKitWriteGate>();
        using var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None);
        second.IsCompleted.Should().BeTrue();
    }

    [Test]
    public async Task Two_hundred_concurrent_turns_of_writes_all_land()
    {
        var store = _services.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "u1" };
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
            await store.SaveThreadAsync(thread, context);
            await store.AddThreadItemAsync(thread.Id, new UserMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new UserMessageTextContent { Text = $"m{i}" }] }, context);
            thread.Title = $"t{i}";
            await store.SaveThreadAsync(thread, context);
        }));
        var page = await store.LoadThreadsAsync(500, null, SortOrder.Desc, context);
        page.Data.Should().HaveCount(200).And.OnlyContain(t => t.Title != null);
    }

    [Test]
    public async Task A_new_thread_and_its_first_message_are_one_commit_and_neither_is_kept_when_the_message_cannot_be_written()
    {
        var store = _services.GetRequiredService<IChatKitStore>();
        var alice = new ChatKitContext { UserId = "alice" };
        UserMessageItem First(string threadId) => new()
        {
            Id = ChatKitIds.Message(), ThreadId = threadId, CreatedAt = DateTimeOffset.UtcNow, Content = [new UserMessageTextContent { Text = "first" }],
        };
        var commitSizes = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatKitTelemetry.Name && instrument.Name == "chatkit.store.commit.writes") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => { lock (commitSizes) commitSizes.Add(value); });
        listener.Start();

        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
        await store.SaveNewThreadAsync(thread, First(thread.Id), [], alice);
        lock (commitSizes) commitSizes.Should().Equal([1], "the thread and its message are one write, so one commit");
        await store.LoadThreadAsync(thread.Id, alice);
        (await store.LoadThreadItemsAsync(thread.Id, null, 10, SortOrder.Asc, alice)).Data.Should().ContainSingle();

        // The database refuses the message (a trigger stands in for a full disk or a broken row): the thread is not kept either.
        await using (var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync())
            await db.Database.ExecuteSqlRawAsync("CREATE TRIGGER refuse_items BEFORE INSERT ON chatkit_items BEGIN SELECT RAISE(ABORT, 'no room'); END;");
        var refused = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
        await store.Invoking(s => s.SaveNewThreadAsync(refused, First(refused.Id), [], alice)).Should().ThrowAsync<SqliteException>().WithMessage("*no room*");
        await store.Invoking(s => s.LoadThreadAsync(refused.Id, alice)).Should().ThrowAsync<ChatKitNotFoundException>();
        (await store.LoadThreadsAsync(10, null, SortOrder.Desc, alice)).Data.Select(t => t.Id).Should().Equal([thread.Id]);
    }

    [Test]
    public async Task A_turns_saves_are_one_statement_each_and_a_first_page_of_items_one_read()
    {
        var commands = new CommandLog();
        await using var services = new ServiceCollection()
            .AddLogging(logs => logs.AddProvider(commands).SetMinimumLevel(LogLevel.Debug))
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(_folder, "counted.db")}"))
            .BuildServiceProvider();
        await services.MigrateChatKitDatabaseAsync();
        var store = services.GetRequiredService<IChatKitStore>();
        var alice = new ChatKitContext { UserId = "alice" };
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
        UserMessageItem Message(string text) => new() { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new UserMessageTextContent { Text = text }] };
        var message = Message("first");

        commands.Take();
        await store.SaveThreadAsync(thread, alice);
        commands.Take().Should().ContainSingle("a new thread is one INSERT … ON CONFLICT").Which.Should().StartWith("INSERT");
        await store.AddThreadItemAsync(thread.Id, message, alice);
        commands.Take().Should().ContainSingle("an item is one INSERT … ON CONFLICT, with no read before it").Which.Should().StartWith("INSERT");
        thread.Title = "Named";
        await store.SaveThreadAsync(thread, alice);
        commands.Take().Should().ContainSingle("a thread saved again is the same statement");
        commands.PreparedWrites.Should().Be(3, "the writer keeps its connection open, so its statements are prepared once and run again");
        var reads = services.GetRequiredService<StoreReads>().Prepared!;
        var before = reads.StatementsRun;
        await store.LoadThreadItemsAsync(thread.Id, null, 20, SortOrder.Desc, alice);
        commands.Take().Should().BeEmpty("SQLite's reads are prepared statements, not EF commands");
        (reads.StatementsRun - before).Should().Be(1, "a first page with the caller's items proves the thread is theirs");

        // The statements keep the rules the reads before them enforced.
        var bob = new ChatKitContext { UserId = "bob" };
        await store.Invoking(s => s.AddThreadItemAsync(thread.Id, Message("intruder"), bob)).Should().ThrowAsync<ChatKitNotFoundException>();
        await store.Invoking(s => s.SaveThreadAsync(new ThreadMetadata { Id = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Title = "Bob's" }, bob)).Should().ThrowAsync<ChatKitNotFoundException>();
        await store.Invoking(s => s.LoadThreadItemsAsync(thread.Id, null, 20, SortOrder.Desc, bob)).Should().ThrowAsync<ChatKitNotFoundException>();
        await store.Invoking(s => s.AddThreadItemAsync(ChatKitIds.Thread(), Message("lost"), alice)).Should().ThrowAsync<ChatKitNotFoundException>();
        await store.Invoking(s => s.LoadThreadItemsAsync(ChatKitIds.Thread(), null, 20, SortOrder.Asc, alice)).Should().ThrowAsync<ChatKitNotFoundException>();
        var resaved = new UserMessageItem { Id = message.Id, ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow.AddHours(1), Content = [new UserMessageTextContent { Text = "edited" }] };
        await store.AddThreadItemAsync(thread.Id, resaved, alice);
        await store.AddThreadItemAsync(thread.Id, Message("second"), alice);

        var stored = await store.LoadThreadItemsAsync(thread.Id, null, 20, SortOrder.Asc, alice);
        stored.Data.Select(i => ((UserMessageTextContent)((UserMessageItem)i).Content[0]).Text).Should().Equal(["edited", "second"], "an item saved again keeps its place, though its new created_at is an hour later");
        (await store.LoadThreadAsync(thread.Id, alice)).Title.Should().Be("Named");
    }

    [Test]
    public async Task Reads_run_at_once_share_a_few_open_connections_and_each_sees_every_write_before_it()
    {
        var store = _services.GetRequiredService<IChatKitStore>();
        var reads = _services.GetRequiredService<StoreReads>().Prepared;
        reads.Should().NotBeNull("a SQLite file has prepared reads");
        var context = new ChatKitContext { UserId = "u1" };
        var threads = new List<ThreadMetadata>();
        for (var i = 0; i < 8; i++)
        {
            var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow, Title = $"t{i}" };
            await store.SaveThreadAsync(thread, context);
            threads.Add(thread);
        }

        // 200 readers at once, each writing an item and reading it back at once: a connection kept open between reads
        // must not keep an old snapshot of the database.
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var thread = threads[i % threads.Count];
            var item = new UserMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new UserMessageTextContent { Text = $"m{i}" }] };
            await store.AddThreadItemAsync(thread.Id, item, context);
            (await store.LoadItemAsync(thread.Id, item.Id, context)).Id.Should().Be(item.Id);
            (await store.LoadThreadItemsAsync(thread.Id, null, 100, SortOrder.Desc, context)).Data.Select(x => x.Id).Should().Contain(item.Id);
            (await store.LoadThreadAsync(thread.Id, context)).Title.Should().Be(thread.Title);
        })));

        reads!.IdleConnections.Should().BeInRange(1, PreparedReads.MaxIdle, "connections beyond the pool's size are closed after their read");
        (await store.LoadThreadsAsync(100, null, SortOrder.Asc, context)).Data.Select(t => t.Id).Should().Equal(threads.Select(t => t.Id));
        var page = await store.LoadThreadsAsync(3, threads[2].Id, SortOrder.Asc, context);
        page.Data.Select(t => t.Id).Should().Equal(threads.Skip(3).Take(3).Select(t => t.Id));
        page.After.Should().Be(threads[5].Id);
    }

    [Test]
    public async Task A_read_of_some_kinds_of_items_leaves_the_other_rows_json_unread()
    {
        // Every message of a thread asks whether a client tool call or structured input is pending: the JSON of its other
        // items (most of each row) was read for nothing.
        var store = _services.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "u1" };
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
        await store.SaveThreadAsync(thread, context);
        await store.AddThreadItemAsync(thread.Id, Message(thread.Id, "before the call"), context);
        await store.AddThreadItemAsync(thread.Id, new ClientToolCallItem
        {
            Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Name = "pick", Arguments = new System.Text.Json.Nodes.JsonObject(),
            CallId = "call_1", Status = ClientToolCallStatus.Pending,
        }, context);
        var reads = _services.GetRequiredService<StoreReads>().Prepared!;

        var rows = await reads.ItemsAsync(thread.Id, asc: true, visibleOnly: false, cursor: null, take: 10, CancellationToken.None,
            jsonOfKinds: new HashSet<string> { ItemTypes.ClientToolCall });
        var all = await reads.ItemsAsync(thread.Id, asc: true, visibleOnly: false, cursor: null, take: 10, CancellationToken.None);

        rows.Select(r => r.Type).Should().Equal(ItemTypes.AssistantMessage, ItemTypes.ClientToolCall);
        rows[0].Json.Should().BeEmpty("a row of another kind comes without its JSON");
        rows[1].Json.Should().Be(all[1].Json).And.Contain("call_1");
        all[0].Json.Should().Contain("before the call", "without kinds every row has its JSON");
    }

    [Test]
    public async Task The_stores_connections_wait_inside_sqlite_for_another_process_write_lock()
    {
        // Without a busy timeout SQLite answers SQLITE_BUSY at once and Microsoft.Data.Sqlite sleeps 150 ms before trying again.
        (await BusyTimeoutsAsync(_services)).Should().Equal(5000L, 5000L);
        // A connection string's shorter timeout is the longer one's bound.
        var shorter = Path.Combine(_folder, "shorter.db");
        await using (var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={shorter};Default Timeout=2"))
            .BuildServiceProvider())
        {
            await services.MigrateChatKitDatabaseAsync();
            (await BusyTimeoutsAsync(services)).Should().Equal(2000L, 2000L);
        }
        // A connection of its own (this can fail): SQLite's default is not to wait.
        await using var plain = new SqliteConnection($"Data Source={Path.Combine(_folder, "chatkit.db")};Pooling=false");
        await plain.OpenAsync();
        (await BusyTimeoutAsync(plain)).Should().Be(0L);
    }

    [Test]
    public async Task A_write_waits_for_another_process_holding_the_write_lock_and_then_lands()
    {
        var python = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "python3")).FirstOrDefault(File.Exists);
        if (python is null) Assert.Ignore("python3 is not installed: it plays the other process holding SQLite's write lock.");
        var database = Path.Combine(_folder, "chatkit.db");
        using var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python,
            ["-c", "import sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\nprint('held', flush=True)\ntime.sleep(1)\nc.execute('COMMIT')", database])
            { RedirectStandardOutput = true })!;
        (await holder.StandardOutput.ReadLineAsync()).Should().Be("held");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow, Title = "waited" };
        await _services.GetRequiredService<IChatKitStore>().SaveThreadAsync(thread, new ChatKitContext { UserId = "u1" });
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(500), "the other process held the lock for a second");
        await holder.WaitForExitAsync();
        holder.ExitCode.Should().Be(0);
        (await _services.GetRequiredService<IChatKitStore>().LoadThreadAsync(thread.Id, new ChatKitContext { UserId = "u1" })).Title.Should().Be("waited");
    }

    /// <summary>The busy timeouts of the prepared reads' connections and of EF's, in that order.</summary>
    private static async Task<List<long>> BusyTimeoutsAsync(IServiceProvider services)
    {
        var timeouts = new List<long>();
        await using (var read = (SqliteConnection)services.GetRequiredService<ChatKitDatabaseProvider>().ReadConnections!())
        {
            await read.OpenAsync();
            timeouts.Add(await BusyTimeoutAsync(read));
        }
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        timeouts.Add(await BusyTimeoutAsync((SqliteConnection)db.Database.GetDbConnection()));
        return timeouts;
    }

    private static async Task<long> BusyTimeoutAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Test]
    public async Task A_statement_prepared_on_the_stores_connections_is_not_compiled_again_when_its_limit_changes()
    {
        const string page = "SELECT \"Id\" FROM chatkit_threads ORDER BY \"CreatedAt\" DESC LIMIT @take";
        await _services.GetRequiredService<IChatKitStore>().SaveThreadAsync(new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow }, new ChatKitContext { UserId = "u1" });

        // The prepared reads' connections.
        await using (var read = (SqliteConnection)_services.GetRequiredService<ChatKitDatabaseProvider>().ReadConnections!())
        {
            await read.OpenAsync();
            RecompiledAfterThreeLimits(read, page).Should().Be(0, "a statement prepared once keeps its plan whatever is bound to its LIMIT");
        }
        // EF's, on which the writer prepares its upserts.
        await using (var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync())
        {
            await db.Database.OpenConnectionAsync();
            RecompiledAfterThreeLimits((SqliteConnection)db.Database.GetDbConnection(), page).Should().Be(0);
        }
        // Without the planner's stability guarantee SQLite compiles it again each time its limit is bound (so this can fail).
        await using var plain = new SqliteConnection($"Data Source={Path.Combine(_folder, "chatkit.db")};Pooling=false");
        await plain.OpenAsync();
        RecompiledAfterThreeLimits(plain, page).Should().BeGreaterThan(0);
    }

    /// <summary>Prepares <paramref name="sql"/> once, runs it with the limits 1, 2 and 3, and answers how many times SQLite compiled it again.</summary>
    private static int RecompiledAfterThreeLimits(SqliteConnection connection, string sql)
    {
        const int statusReprepare = 5; // SQLITE_STMTSTATUS_REPREPARE, which SQLitePCLRaw does not name
        raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement).Should().Be(raw.SQLITE_OK);
        using (statement)
        {
            foreach (var limit in new[] { 1, 2, 3 })
            {
                raw.sqlite3_bind_int(statement, 1, limit).Should().Be(raw.SQLITE_OK);
                raw.sqlite3_step(statement).Should().Be(raw.SQLITE_ROW);
                raw.sqlite3_reset(statement);
            }
            return raw.sqlite3_stmt_status(statement, statusReprepare, 0);
        }
    }

    [Test]
    public async Task Reads_stop_when_the_store_is_disposed_with_its_host()
    {
        var folder = Path.Combine(_folder, "disposed");
        var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(folder, "chatkit.db")}"))
            .BuildServiceProvider();
        await services.MigrateChatKitDatabaseAsync();
        var store = services.GetRequiredService<IChatKitStore>();
        var reads = services.GetRequiredService<StoreReads>().Prepared!;
        var context = new ChatKitContext { UserId = "u1" };
        await store.LoadThreadsAsync(10, null, SortOrder.Asc, context);
        reads.IdleConnections.Should().Be(1);

        await services.DisposeAsync();

        reads.IdleConnections.Should().Be(0, "the container closes the connections it kept open");
        await store.Invoking(s => s.LoadThreadsAsync(10, null, SortOrder.Asc, context)).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task A_database_file_taken_away_is_not_read_through_the_connections_kept_open()
    {
        var path = Path.Combine(_folder, "away", "chatkit.db");
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={path}"))
            .BuildServiceProvider();
        await services.MigrateChatKitDatabaseAsync();
        var store = services.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "u1" };
        await store.SaveThreadAsync(new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow }, context);
        (await store.LoadThreadsAsync(10, null, SortOrder.Asc, context)).Data.Should().ContainSingle();

        // The file goes (a folder takes its place, so nothing can open it); a connection kept open would still read it.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, "chatkit.db*")) File.Delete(file);
        Directory.CreateDirectory(path);
        await Task.Delay(PreparedReads.StillThereInterval * 2); // the reads ask again once this has passed

        await store.Invoking(s => s.LoadThreadsAsync(10, null, SortOrder.Asc, context)).Should().ThrowAsync<SqliteException>();
        services.GetRequiredService<StoreReads>().Prepared!.IdleConnections.Should().Be(0);
    }

    [Test]
    public async Task The_writer_keeps_one_connection_open_between_writes_and_closes_it_with_the_host()
    {
        var folder = Path.Combine(_folder, "kept");
        var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(folder, "chatkit.db")}"))
            .BuildServiceProvider();
        await services.MigrateChatKitDatabaseAsync();
        var store = services.GetRequiredService<IChatKitStore>();
        var gate = services.GetRequiredService<ChatKitWriteGate>();
        var context = new ChatKitContext { UserId = "u1" };
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
        await store.SaveThreadAsync(thread, context);
        for (var i = 0; i < 100; i++)
            await store.AddThreadItemAsync(thread.Id, Message(thread.Id, $"m{i}"), context);

        // One connection for 101 writes (a few more if the machine is slow enough for one to pass its 5 s).
        gate.ConnectionsOpened.Should().BeLessThan(5, "the writer's connection stays open between batches");
        gate.HoldsConnection.Should().BeTrue();
        (await store.LoadThreadItemsAsync(thread.Id, null, 200, SortOrder.Asc, context)).Data.Should().HaveCount(100);

        await services.DisposeAsync();
        gate.HoldsConnection.Should().BeFalse("the container closes the connection the writer kept");
    }

    [Test]
    public async Task A_write_that_fails_does_not_leave_its_connection_to_the_next()
    {
        var gate = _services.GetRequiredService<ChatKitWriteGate>();
        var contexts = _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        await gate.WriteAsync(contexts, db => db.Database.ExecuteSqlRawAsync("SELECT 1"), CancellationToken.None);
        var opened = gate.ConnectionsOpened;
        gate.HoldsConnection.Should().BeTrue();

        await gate.Invoking(g => g.WriteAsync(contexts, db => db.Database.ExecuteSqlRawAsync("INSERT INTO no_such_table VALUES (1)"), CancellationToken.None))
            .Should().ThrowAsync<SqliteException>();
        gate.HoldsConnection.Should().BeFalse();
        await gate.WriteAsync(contexts, db => db.Database.ExecuteSqlRawAsync("SELECT 1"), CancellationToken.None);
        gate.ConnectionsOpened.Should().Be(opened + 1, "the next write opens a connection of its own");
    }

    [Test]
    public async Task A_database_file_taken_away_is_not_written_through_the_connection_kept_open()
    {
        var path = Path.Combine(_folder, "away-writes", "chatkit.db");
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={path}"))
            .BuildServiceProvider();
        await services.MigrateChatKitDatabaseAsync();
        var store = services.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "u1" };
        await store.SaveThreadAsync(new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow }, context);
        services.GetRequiredService<ChatKitWriteGate>().HoldsConnection.Should().BeTrue();

        // The file goes (a folder takes its place, so nothing can open it); the kept connection would still write into it.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, "chatkit.db*")) File.Delete(file);
        Directory.CreateDirectory(path);

        await store.Invoking(s => s.SaveThreadAsync(new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow }, context))
            .Should().ThrowAsync<SqliteException>("the write is not made into a file nobody can read");
    }

    [Test]
    public async Task Recent_items_of_some_kinds_are_built_only_from_the_rows_of_those_kinds()
    {
        var store = _services.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "u1" };
        var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
        await store.SaveThreadAsync(thread, context);
        var message = Message(thread.Id, "hello");
        await store.AddThreadItemAsync(thread.Id, message, context);
        // The message's JSON is made unreadable: a read that built it would fail.
        await using (var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync())
            (await db.Items.Where(i => i.Id == message.Id).ExecuteUpdateAsync(u => u.SetProperty(i => i.Json, "{not json"))).Should().Be(1);

        await store.Invoking(s => s.LoadThreadItemsAsync(thread.Id, null, 20, SortOrder.Desc, context)).Should().ThrowAsync<System.Text.Json.JsonException>();
        (await store.LoadRecentItemsOfKindsAsync(thread.Id, 20, new HashSet<string> { ItemTypes.ClientToolCall }, context))
            .Should().BeEmpty("the message is not of a kind asked for, so its JSON is never read");
    }

    private static AssistantMessageItem Message(string threadId, string text) => new()
    {
        Id = ChatKitIds.Message(), ThreadId = threadId, CreatedAt = DateTimeOffset.UtcNow,
        Content = [new AssistantMessageContent { Text = text }],
    };

    [Test]
    public void An_in_memory_database_reads_through_EF_alone()
    {
        using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite("Data Source=:memory:"))
            .BuildServiceProvider();
        services.GetRequiredService<StoreReads>().Prepared.Should().BeNull("every connection to :memory: is another database");
    }

    /// <summary>The SQL commands EF ran, from its command log (category Microsoft.EntityFrameworkCore.Database.Command).</summary>
    private sealed class CommandLog : ILoggerProvider, ILogger
    {
        private readonly List<string> _commands = [];

        /// <summary>The commands run since the last call, each from its first keyword.</summary>
        public List<string> Take()
        {
            lock (_commands)
            {
                var taken = _commands.ToList();
                _commands.Clear();
                return taken;
            }
        }

        /// <summary>How many of the commands were the store's prepared writes (logged by StoreUpserts, not by EF).</summary>
        public int PreparedWrites { get; private set; }

        public ILogger CreateLogger(string categoryName) =>
            categoryName == DbLoggerCategory.Database.Command.Name || categoryName == typeof(StoreUpserts).FullName
                ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        public bool IsEnabled(LogLevel logLevel) => true;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (message.StartsWith("Executed prepared write", StringComparison.Ordinal))
            {
                lock (_commands)
                {
                    PreparedWrites++;
                    _commands.Add(message[(message.IndexOf("): ", StringComparison.Ordinal) + 3)..]);
                }
                return;
            }
            if (eventId.Id != RelationalEventId.CommandExecuted.Id) return;
            lock (_commands) _commands.Add(message[(message.IndexOf('\n') + 1)..].TrimStart());
        }

        public void Dispose() { }
    }
}
