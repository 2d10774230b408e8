using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;
using ChatKit.Testing;

namespace ChatKitServer.Tests;

/// <summary>
/// The production shape, end to end: three server processes, each in a folder and home of its own (as separate
/// hosts), behind a real nginx on loopback (round-robin, configured as the README says), sharing one PostgreSQL
/// database, Redis and an Azure Blob Storage container (Azurite). Every request goes through the proxy; nginx
/// names the instance that answered, so each test shows that the work really crossed instances. Skipped, with
/// the reason, when nginx, PostgreSQL, Redis or Azurite is missing.
/// </summary>
[NonParallelizable]
public class InstancesBehindAProxyTests
{
    private const int Instances = 3;

    private readonly ServerProcess?[] _servers = new ServerProcess?[Instances];
    private readonly int[] _ports = new int[Instances];
    private readonly ChatKitTestTokens _tokens = new();
    private PostgreSqlServer? _postgres;
    private string? _database;
    private RedisServer? _redis;
    private NginxProxy? _proxy;
    private string _folder = null!;
    private Dictionary<string, string> _environment = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;
    private HttpClient _admin = null!;
    private HttpClient _anonymous = null!;

    private const string Script = """
        { "turns": [
          { "match": "slow", "reply": ["one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "ten"], "delayMs": 400 },
          { "match": "alpha", "reply": ["answer ", "to ", "alpha"], "delayMs": 150 },
          { "match": "beta", "reply": ["answer ", "to ", "beta"], "delayMs": 150 },
          { "match": "*", "reply": ["noted"] } ] }
        """;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Stops instances with kill(1): Linux only.");
        NginxProxy.EnsureInstalled();
        var azurite = await AzuriteServer.SharedAsync();
        _postgres = await PostgreSqlServer.SharedAsync();
        _database = await _postgres.CreateDatabaseAsync();
        _redis = RedisServer.Start();

        _folder = Path.Combine(Path.GetTempPath(), "chatkit-instances-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(_folder);
        var script = Path.Combine(_folder, "script.json");
        await File.WriteAllTextAsync(script, Script);
        _environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSql",
            ["ConnectionStrings__ChatKit"] = _database,
            ["Redis__ConnectionString"] = _redis.ConnectionString,
            ["Attachments__Storage"] = "AzureBlob",
            ["Attachments__AzureBlob__ConnectionString"] = azurite.ConnectionString,
            ["Attachments__AzureBlob__Container"] = AzuriteServer.NewContainerName(),
            ["Auth__Mode"] = "Jwt",
            ["Auth__Jwt__SigningKey"] = _tokens.SigningKey,
            ["Auth__Jwt__Issuer"] = _tokens.Issuer,
            ["Auth__Jwt__Audience"] = _tokens.Audience,
            ["ChatKit__TrustedProxies__0"] = "127.0.0.1",
            ["Assistant__Provider"] = "Scripted",
            ["Assistant__ScriptPath"] = script,
            ["Assistant__AutoTitles"] = "false",
            ["RateLimiting__Enabled"] = "false",
        };
        for (var i = 0; i < Instances; i++) _ports[i] = ServerProcess.FreePort();
        _proxy = await NginxProxy.StartAsync(_ports);
        await Task.WhenAll(Enumerable.Range(0, Instances).Select(StartInstanceAsync)); // together: they wait for each other's migrations

        _alice = Client(_tokens.For("alice"));
        _bob = Client(_tokens.For("bob"));
        _admin = Client(_tokens.For("root", "admin"));
        _anonymous = Client(token: null);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var client in new[] { _alice, _bob, _admin, _anonymous }) client?.Dispose();
        _proxy?.Dispose();
        foreach (var server in _servers) server?.Dispose();
        _redis?.Dispose();
        if (_postgres is not null && _database is not null) await _postgres.DropDatabaseAsync(_database);
        if (_folder is not null && Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = _proxy!.Address, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private string Home(int instance) => Path.Combine(_folder, "host" + instance);

    private async Task StartInstanceAsync(int instance) =>
        _servers[instance] = await ServerProcess.StartAsync(_environment, _ports[instance], Home(instance));

    private int InstanceOf(int port) => Array.IndexOf(_ports, port) is >= 0 and var i ? i : throw new InvalidOperationException($"port {port} is no instance");

    [Test]
    public async Task A_thread_made_through_one_instance_is_listed_read_and_continued_through_the_others()
    {
        var created = await TurnAsync(_alice, Create("hello"));
        var threadId = created.ThreadId;

        var listedBy = await OnEveryInstanceAsync(async () =>
        {
            var (port, page) = await JsonAsync(_alice, new ThreadsListRequest { Params = new() { Limit = 20 } });
            page["data"]!.AsArray().Select(t => (string)t!["id"]!).Should().Contain(threadId, $"instance {InstanceOf(port)} lists it");
            return port;
        });
        var readBy = await OnEveryInstanceAsync(async () =>
        {
            var (port, thread) = await JsonAsync(_alice, new ThreadsGetByIdRequest { Params = new() { ThreadId = threadId } });
            ((string)thread["id"]!).Should().Be(threadId);
            thread["items"]!["data"]!.AsArray().Should().HaveCount(2, $"instance {InstanceOf(port)} reads the question and its answer");
            return port;
        });
        var continuedBy = new List<int>();
        await OnEveryInstanceAsync(async () =>
        {
            var turn = await TurnAsync(_alice, AddMessage(threadId, $"more {continuedBy.Count}"));
            turn.AssistantText.Should().Be("noted");
            continuedBy.Add(turn.Port);
            return turn.Port;
        });

        listedBy.Should().HaveCount(Instances);
        readBy.Should().HaveCount(Instances);
        continuedBy.Distinct().Should().HaveCount(Instances, "each instance ran a turn of the thread");
        var texts = await TextsAsync(threadId);
        texts.Should().Equal(new[] { "user:hello", "assistant:noted" }
            .Concat(Enumerable.Range(0, continuedBy.Count).SelectMany(i => new[] { $"user:more {i}", "assistant:noted" })));
        (await JsonAsync(_bob, new ThreadsListRequest { Params = new() { Limit = 20 } })).Json["data"]!.AsArray().Should().BeEmpty("another user sees none of it, on any instance");
    }

    [Test]
    public async Task Two_turns_on_one_thread_sent_at_the_same_moment_to_two_instances_both_complete_each_answer_after_its_question()
    {
        var threadId = (await TurnAsync(_alice, Create("start"))).ThreadId;

        for (var round = 0; round < 3; round++)
        {
            var turns = await Task.WhenAll(TurnAsync(_alice, AddMessage(threadId, $"alpha {round}")), TurnAsync(_alice, AddMessage(threadId, $"beta {round}")));
            turns[0].Port.Should().NotBe(turns[1].Port, "round-robin sends the two turns to two instances");
            turns[0].AssistantText.Should().Be("answer to alpha");
            turns[1].AssistantText.Should().Be("answer to beta");
        }

        var texts = await TextsAsync(threadId);
        texts.Should().HaveCount(14, string.Join(" | ", texts));
        for (var i = 2; i < texts.Count; i += 2)
        {
            var question = texts[i];
            question.Should().MatchRegex("^user:(alpha|beta) [0-2]$", $"item {i} starts a turn: {string.Join(" | ", texts)}");
            texts[i + 1].Should().Be("assistant:answer to " + question.Split(':', ' ')[1], "each answer follows its own question");
        }
        texts.Where(t => t.StartsWith("user:")).Should().OnlyHaveUniqueItems("nothing was saved twice");
    }

    [Test]
    public async Task An_attachment_uploaded_through_one_instance_previews_through_the_others_and_after_every_instance_restarted()
    {
        using var upload = await _alice.PostAsync("/chatkit/attachments", AttachmentTests.Form(AttachmentTests.Png, "dot.png", "image/png"));
        upload.StatusCode.Should().Be(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        var uploadedBy = NginxProxy.AnsweredBy(upload);
        var attachment = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        var preview = new Uri((string)attachment["preview_url"]!);
        preview.Authority.Should().Be(_proxy!.Address.Authority, "links are built on the address the proxy forwarded");

        var servedBy = await PreviewOnEveryInstanceAsync(preview.PathAndQuery);
        servedBy.Should().Contain(p => p != uploadedBy, "another instance served the bytes and checked the signature");

        await Task.WhenAll(Enumerable.Range(0, Instances).Select(StopInstanceAsync));
        await Task.WhenAll(Enumerable.Range(0, Instances).Select(StartInstanceAsync));

        (await PreviewOnEveryInstanceAsync(preview.PathAndQuery)).Should().HaveCount(Instances, "the link signed before the restart opens on every new process");
        Enumerable.Range(0, Instances).Select(i => Path.Combine(Home(i), "data", "attachments")).Where(Directory.Exists)
            .Should().BeEmpty("no instance kept the bytes in its own folder");
    }

    [Test]
    public async Task A_widget_published_on_one_instance_reaches_a_subscriber_on_another()
    {
        const string stream = "user-alice.news";
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // A subscription's answer starts with its first widget: subscribe, give it a moment to reach Redis, publish.
        var subscribing = _alice.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/chat/widgets/streams/{stream}/events"), HttpCompletionOption.ResponseHeadersRead, wait.Token);
        await Task.Delay(500);
        var widget = """{"type":"Card","children":[{"type":"Title","value":"from another instance"}]}""";
        using var publish = await _admin.PostAsync($"/api/chat/widgets/streams/{stream}/events", new StringContent(widget, Encoding.UTF8, "application/json"));
        publish.StatusCode.Should().Be(HttpStatusCode.Accepted);

        using var subscription = await subscribing;
        subscription.StatusCode.Should().Be(HttpStatusCode.OK);
        NginxProxy.AnsweredBy(publish).Should().NotBe(NginxProxy.AnsweredBy(subscription), "the widget was published on an instance the subscriber is not connected to");
        await using (var body = await subscription.Content.ReadAsStreamAsync(wait.Token))
        {
            var first = await SseParser.Create(body).EnumerateAsync(wait.Token).FirstAsync(wait.Token);
            JsonNode.Parse(first.Data)!["children"]![0]!["value"]!.GetValue<string>().Should().Be("from another instance");
        }

        using var refused = await _bob.GetAsync($"/api/chat/widgets/streams/{stream}/events", HttpCompletionOption.ResponseHeadersRead, wait.Token);
        refused.StatusCode.Should().Be(HttpStatusCode.NotFound, "a user stream is for that user alone, whichever instance is asked");
    }

    [Test]
    public async Task An_instance_killed_mid_stream_cuts_that_stream_and_the_next_turn_runs_through_another()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = Wire.Body(Create("slow story")) };
        using var response = await _alice.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var doomed = InstanceOf(NginxProxy.AnsweredBy(response));
        string? threadId = null;
        var seen = new List<ThreadStreamEvent>();
        Exception? cut = null;
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(wait.Token)).EnumerateAsync(wait.Token))
            {
                var ev = ChatKitJson.Deserialize<ThreadStreamEvent>(item.Data);
                seen.Add(ev);
                if (ev is ThreadCreatedEvent created) threadId = created.Thread.Id;
                if (ev is ThreadItemUpdatedEvent && _servers[doomed] is { Process.HasExited: false } server)
                {
                    server.Signal("KILL"); // mid-answer: a few words out, the rest still to come
                    (await server.WaitExitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
                }
            }
        }
        catch (Exception ex) when (ex is HttpIOException or IOException)
        {
            cut = ex;
        }
        wait.IsCancellationRequested.Should().BeFalse("the stream ended when the instance died, it did not hang");
        seen.OfType<ThreadItemUpdatedEvent>().Should().NotBeEmpty("the instance was killed while answering");
        seen.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<AssistantMessageItem>().Should().BeEmpty("the answer never finished");
        TestContext.Progress.WriteLine(cut is null ? "The stream ended without its answer." : "The stream broke: " + cut.Message);
        _servers[doomed]!.Dispose();
        _servers[doomed] = null;

        try
        {
            var next = await TurnAsync(_alice, AddMessage(threadId!, "after the crash"));
            InstanceOf(next.Port).Should().NotBe(doomed);
            next.AssistantText.Should().Be("noted");
            (await TextsAsync(threadId!)).Should().Equal(["user:slow story", "user:after the crash", "assistant:noted"],
                "the question the dead instance was answering stays, its unfinished answer is not kept, and the next turn follows");
        }
        finally
        {
            await StartInstanceAsync(doomed);
        }
    }

    private async Task StopInstanceAsync(int instance)
    {
        var server = _servers[instance]!;
        server.Signal("TERM");
        (await server.WaitExitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue($"instance {instance} stops on SIGTERM");
        server.Dispose();
        _servers[instance] = null;
    }

    /// <summary>Runs <paramref name="probe"/> (one request through the proxy; returns the port that answered) until every instance answered it once.</summary>
    private static async Task<HashSet<int>> OnEveryInstanceAsync(Func<Task<int>> probe)
    {
        var ports = new HashSet<int>();
        for (var attempt = 0; attempt < Instances * 3 && ports.Count < Instances; attempt++)
            ports.Add(await probe());
        return ports;
    }

    private Task<HashSet<int>> PreviewOnEveryInstanceAsync(string link) => OnEveryInstanceAsync(async () =>
    {
        using var preview = await _anonymous.GetAsync(link); // the signed link alone, as an <img> sends it
        preview.StatusCode.Should().Be(HttpStatusCode.OK, await preview.Content.ReadAsStringAsync());
        (await preview.Content.ReadAsByteArrayAsync()).Should().Equal(AttachmentTests.Png);
        return NginxProxy.AnsweredBy(preview);
    });

    private sealed record Turn(int Port, IReadOnlyList<ThreadStreamEvent> Events)
    {
        public string ThreadId => Events.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        public string AssistantText => string.Concat(Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<AssistantMessageItem>().Select(m => m.Text));
    }

    /// <summary>A streaming request through the proxy, read to its end.</summary>
    private static async Task<Turn> TurnAsync(HttpClient client, ChatKitRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = Wire.Body(request) };
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var events = new List<ThreadStreamEvent>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
            events.Add(ChatKitJson.Deserialize<ThreadStreamEvent>(item.Data));
        events.OfType<ErrorEvent>().Should().BeEmpty();
        return new Turn(NginxProxy.AnsweredBy(response), events);
    }

    private static async Task<(int Port, JsonNode Json)> JsonAsync(HttpClient client, ChatKitRequest request)
    {
        using var response = await client.PostAsync("/chatkit", Wire.Body(request));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return (NginxProxy.AnsweredBy(response), JsonNode.Parse(text)!);
    }

    private static ThreadsCreateRequest Create(string text) => new() { Params = new() { Input = ChatKit.Client.ChatKitClient.Text(text) } };

    private static ThreadsAddUserMessageRequest AddMessage(string threadId, string text) =>
        new() { Params = new() { ThreadId = threadId, Input = ChatKit.Client.ChatKitClient.Text(text) } };

    /// <summary>The thread's visible items as <c>user:text</c> / <c>assistant:text</c>, oldest first.</summary>
    private async Task<List<string>> TextsAsync(string threadId)
    {
        var (_, page) = await JsonAsync(_alice, new ItemsListRequest { Params = new() { ThreadId = threadId, Order = SortOrder.Asc, Limit = 100 } });
        return page["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>() switch
        {
            "user_message" => "user:" + i["content"]![0]!["text"]!.GetValue<string>(),
            "assistant_message" => "assistant:" + i["content"]![0]!["text"]!.GetValue<string>(),
            var other => other,
        }).ToList();
    }
}
