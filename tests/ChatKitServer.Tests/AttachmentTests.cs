using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKit.Tests.Support;
using ChatKitServer.Attachments;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>Two-phase and direct uploads, limits, previews, deletion, cleanup, and what the model receives, on each storage.</summary>
[TestFixture(AttachmentStorageKind.Local)]
[TestFixture(AttachmentStorageKind.AzureBlob)]
public class AttachmentTests(AttachmentStorageKind storage)
{
    internal static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private ScriptedUpstream _upstream = null!;
    private ServerFactory _factory = null!;
    private ChatKitClient _alice = null!;
    private Dictionary<string, string?> _settings = null!;

    [SetUp]
    public async Task SetUp()
    {
        var storageSettings = new Dictionary<string, string?>().WithStorage(storage); // skips without Azurite, before anything starts
        _upstream = await ScriptedUpstream.StartAsync();
        var settings = _upstream.Settings();
        foreach (var (key, value) in storageSettings) settings[key] = value;
        settings["Attachments:MaxBytes"] = "1000";
        settings["Attachments:TextBudgetChars"] = "20";
        _settings = settings;
        _factory = new ServerFactory(settings);
        _alice = _factory.ClientFor("alice");
    }

    [TearDown]
    public async Task TearDown()
    {
        // A set-up that skipped (no Azurite for the blob storage) leaves some of these unset.
        _alice?.Http.Dispose();
        _factory?.Dispose();
        if (_upstream is not null) await _upstream.DisposeAsync();
    }

    internal static MultipartFormDataContent Form(byte[] bytes, string name, string type, string field = "file")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return new MultipartFormDataContent { { file, field, name } };
    }

    private static string PathOf(JsonNode url) => new Uri((string)url!).PathAndQuery;

    private async Task<JsonNode> CreateAsync(string name, long size, string type) =>
        JsonNode.Parse(await _alice.SendRawAsync(new AttachmentsCreateRequest { Params = new() { Name = name, Size = size, MimeType = type } }))!;

    private static ThreadsCreateRequest CreateWith(string text, params string[] attachments) => new() { Params = new() { Input = ChatKitClient.Text(text, attachments) } };

    private async Task<HttpResponseMessage> UploadAsync(JsonNode attachment, byte[] bytes, string name, string type, HttpClient? client = null) =>
        await (client ?? _alice.Http).PostAsync(PathOf(attachment["upload_descriptor"]!["url"]!), Form(bytes, name, type));

    [Test]
    public async Task Two_phase_upload_then_preview_then_the_message_and_the_model_get_the_image()
    {
        var created = await CreateAsync("cat.png", Png.Length, "image/png");
        created["type"]!.GetValue<string>().Should().Be("image");
        created["upload_descriptor"]!["method"]!.GetValue<string>().Should().Be("POST");
        created.AsObject().ContainsKey("metadata").Should().BeFalse();

        using var upload = await UploadAsync(created, Png, "cat.png", "image/png", _factory.CreateClient()); // the signed link needs no token
        upload.StatusCode.Should().Be(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        var uploaded = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        uploaded.AsObject().ContainsKey("upload_descriptor").Should().BeFalse();

        using var anonymous = _factory.CreateClient();
        using var preview = await anonymous.GetAsync(PathOf(created["preview_url"]!));
        preview.StatusCode.Should().Be(HttpStatusCode.OK);
        preview.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        preview.Headers.CacheControl!.MaxAge.Should().BeGreaterThan(TimeSpan.Zero);
        (await preview.Content.ReadAsByteArrayAsync()).Should().Equal(Png);

        _upstream.Enqueue(Reply.Text("A tiny image."));
        var stream = await _alice.StreamFramesAsync(CreateWith("what is this?", created["id"]!.GetValue<string>())).CollectAsync();
        var message = stream.Items<UserMessageItem>().Single();
        message.Attachments.Should().ContainSingle().Which.ThreadId.Should().Be(stream.ThreadId);
        var content = _upstream.Requests.Single()["messages"]!.AsArray().Last()!["content"]!.AsArray();
        content.Select(p => (string)p!["type"]!).Should().Equal("text", "image_url");
        content[1]!["image_url"]!["url"]!.GetValue<string>().Should().Be("data:image/png;base64," + Convert.ToBase64String(Png));
        SchemaValidator.AssertValid([("Attachment", created.ToJsonString()), .. stream.Frames.Select(f => ("ThreadStreamEvent", f))]);
    }

    [Test]
    public async Task Direct_upload_answers_the_attachment_and_text_files_reach_the_model_within_the_budget()
    {
        var text = Encoding.UTF8.GetBytes("Line one of the notes, and more text beyond the budget.");
        using var response = await _alice.Http.PostAsync("/chatkit/attachments", Form(text, "notes.md", "text/markdown"));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var attachment = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        attachment["type"]!.GetValue<string>().Should().Be("file");
        attachment.AsObject().ContainsKey("upload_descriptor").Should().BeFalse();

        var pdf = await _alice.Http.PostAsync("/chatkit/attachments", Form("%PDF-1.4"u8.ToArray(), "paper.pdf", "application/pdf"));
        var pdfId = JsonNode.Parse(await pdf.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        _upstream.Enqueue(Reply.Text("ok"));
        await _alice.StreamAsync(CreateWith("summarize", attachment["id"]!.GetValue<string>(), pdfId)).CollectAsync();

        var parts = _upstream.Requests.Single()["messages"]!.AsArray().Last()!["content"]!.AsArray().Select(p => (string)p!["text"]!).ToList();
        parts[1].Should().Contain("notes.md").And.Contain("Line one of the note").And.NotContain("beyond the budget").And.Contain("first 20 characters");
        parts[2].Should().Be("[Attached file: paper.pdf (application/pdf)]");
        SchemaValidator.AssertValid("Attachment", attachment.ToJsonString());
    }

    [TestCase(5000, "image/png", 413, "1000 bytes")]
    [TestCase(100, "application/x-msdownload", 415, "not accepted")]
    [TestCase(0, "image/png", 400, "empty")]
    public async Task Declared_files_outside_the_limits_are_refused(long size, string type, int status, string mentions)
    {
        using var response = await _alice.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsCreateRequest { Params = new() { Name = "x", Size = size, MimeType = type } }));
        ((int)response.StatusCode).Should().Be(status);
        (await response.Content.ReadAsStringAsync()).Should().Contain(mentions);
    }

    [Test]
    public async Task An_upload_that_does_not_match_what_was_declared_is_refused_and_nothing_is_stored()
    {
        var created = await CreateAsync("cat.png", Png.Length, "image/png");

        using (var wrongSize = await UploadAsync(created, [.. Png, 0], "cat.png", "image/png"))
        {
            wrongSize.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await wrongSize.Content.ReadAsStringAsync()).Should().Contain($"declared as {Png.Length} bytes");
        }
        using (var wrongType = await UploadAsync(created, Png, "cat.png", "image/gif"))
        {
            wrongType.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await wrongType.Content.ReadAsStringAsync()).Should().Contain("image/gif");
        }
        using (var noFile = await _alice.Http.PostAsync(PathOf(created["upload_descriptor"]!["url"]!), Form(Png, "cat.png", "image/png", field: "upload")))
            noFile.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        (await AttachmentStorages.StoredAsync(_factory)).Should().BeEmpty("no bytes were kept (the bytes stream to storage and are dropped when they do not match)");
        using var used = await _alice.Http.PostAsync("/chatkit", Wire.Body(CreateWith("look", created["id"]!.GetValue<string>())));
        used.StatusCode.Should().Be(HttpStatusCode.Conflict, "a message cannot use an attachment whose bytes never arrived");

        (await UploadAsync(created, Png, "cat.png", "image/png")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await UploadAsync(created, Png, "cat.png", "image/png")).StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Test]
    public async Task A_direct_upload_over_the_limit_or_of_a_refused_type_is_refused()
    {
        using var big = await _alice.Http.PostAsync("/chatkit/attachments", Form(new byte[5000], "big.png", "image/png"));
        big.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        using var exe = await _alice.Http.PostAsync("/chatkit/attachments", Form(new byte[10], "run.exe", "application/x-msdownload"));
        exe.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        using var anonymous = _factory.CreateClient();
        (await anonymous.PostAsync("/chatkit/attachments", Form(Png, "cat.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_body_that_ends_inside_the_file_is_a_bad_request_and_nothing_is_stored()
    {
        // The file part starts but the body ends without its closing boundary: the multipart reader fails while
        // the bytes are copied to storage (after the part's headers were read), which answered 500.
        static ByteArrayContent Cut(string name, string type)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
                $"--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {type}\r\n\r\nhello"));
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=cut");
            return content;
        }

        using var direct = await _alice.Http.PostAsync("/chatkit/attachments", Cut("notes.txt", "text/plain"));
        direct.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        direct.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await direct.Content.ReadAsStringAsync()).Should().Contain("malformed inside the file");

        var created = await CreateAsync("notes.txt", 5, "text/plain");
        using var twoPhase = await _factory.CreateClient().PostAsync(PathOf(created["upload_descriptor"]!["url"]!), Cut("notes.txt", "text/plain"));
        twoPhase.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await twoPhase.Content.ReadAsStringAsync()).Should().Contain("malformed inside the file");

        (await AttachmentStorages.StoredAsync(_factory)).Should().BeEmpty("a cut upload keeps nothing");
        (await UploadAsync(created, "hello"u8.ToArray(), "notes.txt", "text/plain")).StatusCode.Should().Be(HttpStatusCode.OK, "the attachment still waits for its bytes");
    }

    [TestCase("../../../etc/passwd.txt", "passwd.txt")]
    [TestCase("..\\..\\windows\\win.ini", "win.ini")]
    [TestCase("/abs/path/notes.txt", "notes.txt")]
    [TestCase("..", "file")]
    public async Task Client_file_names_never_reach_the_file_system(string name, string shown)
    {
        using var response = await _alice.Http.PostAsync("/chatkit/attachments", Form("hello"u8.ToArray(), name, "text/plain"));
        var attachment = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        attachment["name"]!.GetValue<string>().Should().Be(shown);
        (await AttachmentStorages.StoredAsync(_factory)).Should().Equal(attachment["id"]!.GetValue<string>());
    }

    [TestCase("..%2F..%2Fchatkit.db")]
    [TestCase("atc_..")]
    [TestCase("atc_0123456789abcdef0123%2F..")]
    public async Task Ids_that_try_to_escape_the_folder_find_nothing(string id)
    {
        (await _alice.Http.GetAsync($"/chatkit/attachments/{id}/preview")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _alice.Http.PostAsync($"/chatkit/attachments/{id}/upload", Form(Png, "x.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Another_users_attachment_is_not_found_for_upload_preview_and_delete()
    {
        var created = await CreateAsync("cat.png", Png.Length, "image/png");
        var id = created["id"]!.GetValue<string>();
        var bob = _factory.ClientFor("bob");
        var uploadPath = new Uri((string)created["upload_descriptor"]!["url"]!).AbsolutePath;
        var previewPath = new Uri((string)created["preview_url"]!).AbsolutePath;

        (await bob.Http.PostAsync(uploadPath, Form(Png, "cat.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.NotFound, "no signature, not the owner");
        (await bob.Http.PostAsync(uploadPath + "?sig=forged", Form(Png, "cat.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await UploadAsync(created, Png, "cat.png", "image/png")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await bob.Http.GetAsync(previewPath)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var other = await CreateAsync("dog.png", Png.Length, "image/png");
        var signatureOfAnother = new Uri((string)other["preview_url"]!).Query;
        (await bob.Http.GetAsync(previewPath + signatureOfAnother)).StatusCode.Should().Be(HttpStatusCode.NotFound, "a signature is for one attachment");
        (await bob.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } }))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var bobUses = await bob.Http.PostAsync("/chatkit", Wire.Body(CreateWith("mine?", id)));
        bobUses.StatusCode.Should().Be(HttpStatusCode.NotFound);

        (await _alice.Http.GetAsync(previewPath)).StatusCode.Should().Be(HttpStatusCode.OK, "the owner with a token needs no signature");
    }

    [Test]
    public async Task Delete_removes_the_record_and_the_bytes()
    {
        using var response = await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, "cat.png", "image/png"));
        var attachment = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var id = attachment["id"]!.GetValue<string>();
        (await AttachmentStorages.BytesAsync(_factory, id)).Should().Equal(Png);

        (await _alice.SendRawAsync(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } })).Should().Be("{}");

        (await AttachmentStorages.BytesAsync(_factory, id)).Should().BeNull();
        (await _alice.Http.GetAsync(PathOf(attachment["preview_url"]!))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _alice.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } }))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Found by a hostile audit (2026-12): the same attachment id sent in a second thread was taken, and deleting either
    /// thread then deleted the bytes the other thread's message still showed (its preview answered 404).
    /// </summary>
    [Test]
    public async Task An_attachment_sent_in_one_thread_is_refused_in_another()
    {
        using var uploaded = await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, "cat.png", "image/png"));
        var id = JsonNode.Parse(await uploaded.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        _upstream.Enqueue(Reply.Text("a cat")).Enqueue(Reply.Text("the same cat"));
        var first = await _alice.StreamAsync(CreateWith("look", id)).CollectAsync();
        var other = await _alice.StreamAsync(CreateWith("elsewhere")).CollectAsync();

        using var again = await _alice.Http.PostAsync("/chatkit", Wire.Body(CreateWith("look again", id)));
        using var inOther = await _alice.Http.PostAsync("/chatkit", Wire.Body(new ThreadsAddUserMessageRequest
        {
            Params = new() { ThreadId = other.ThreadId!, Input = ChatKitClient.Text("and here", id) },
        }));

        foreach (var refused in new[] { again, inOther })
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
            (await refused.Content.ReadAsStringAsync()).Should().Contain("already sent in another thread");
        }
        (await _alice.ListThreadsAsync()).Data.Should().HaveCount(2, "the refused create made no thread");
        _upstream.Enqueue(Reply.Text("still the cat"));
        (await _alice.StreamAsync(new ThreadsAddUserMessageRequest
        {
            Params = new() { ThreadId = first.ThreadId!, Input = ChatKitClient.Text("once more", id) },
        }).CollectAsync()).EnsureSuccess(); // its own thread may send it again
    }

    /// <summary>
    /// Found by a hostile audit (2026-12): two uploads on one upload link at the same moment both answered 200, and the file
    /// kept the second one's bytes, so a file could change after it had been accepted (and sent). Bytes are stored once.
    /// </summary>
    [Test]
    public async Task The_storage_keeps_the_first_bytes_stored_under_an_id()
    {
        var storage = _factory.Services.GetRequiredService<IAttachmentStorage>();
        var id = ChatKitIds.Attachment();
        await storage.SaveAsync(id, new MemoryStream("first"u8.ToArray()), 100, CancellationToken.None);

        var again = () => storage.SaveAsync(id, new MemoryStream("second"u8.ToArray()), 100, CancellationToken.None);

        (await again.Should().ThrowAsync<AttachmentAlreadyStoredException>()).Which.AttachmentId.Should().Be(id);
        (await AttachmentStorages.BytesAsync(_factory, id)).Should().Equal("first"u8.ToArray());
    }

    [Test]
    public async Task Of_two_uploads_on_one_link_at_the_same_moment_one_is_kept_and_the_other_is_a_conflict()
    {
        for (var round = 0; round < 5; round++)
        {
            var created = await CreateAsync("notes.txt", 100, "text/plain");
            var bodies = new[] { Enumerable.Repeat((byte)'A', 100).ToArray(), Enumerable.Repeat((byte)'B', 100).ToArray() };

            var responses = await Task.WhenAll(bodies.Select(body => UploadAsync(created, body, "notes.txt", "text/plain")));

            var statuses = responses.Select(r => r.StatusCode).ToList();
            statuses.Should().BeEquivalentTo([HttpStatusCode.OK, HttpStatusCode.Conflict], $"round {round}");
            var kept = bodies[statuses.IndexOf(HttpStatusCode.OK)];
            (await AttachmentStorages.BytesAsync(_factory, created["id"]!.GetValue<string>())).Should().Equal(kept, "the accepted upload's bytes are the ones stored");
            foreach (var response in responses) response.Dispose();
        }
    }

    /// <summary>
    /// Found by a multi-instance audit (2026-12): an attachments.delete while the upload's bytes were arriving answered {},
    /// then the upload finished, saved the record again and kept the bytes: the deleted attachment was back.
    /// </summary>
    [Test]
    public async Task An_attachment_deleted_while_its_bytes_arrive_stays_deleted_and_the_upload_is_not_found()
    {
        using var factory = new ServerFactory(_settings);
        var server = factory.StartKestrel(); // a real socket: the upload below stops half way, as a slow client's does
        var alice = factory.ClientFor("alice");
        var created = JsonNode.Parse(await alice.SendRawAsync(new AttachmentsCreateRequest { Params = new() { Name = "notes.txt", Size = 100, MimeType = "text/plain" } }))!;
        var id = created["id"]!.GetValue<string>();
        var head = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n";
        const string Tail = "\r\n--XyZ--\r\n";
        using var raw = await RawHttp.ConnectAsync(server);
        await raw.SendHeadAsync("POST", PathOf(created["upload_descriptor"]!["url"]!), "Content-Type: multipart/form-data; boundary=XyZ", $"Content-Length: {head.Length + 100 + Tail.Length}");
        await raw.SendAsync(head + new string('A', 50));

        await Task.Delay(500); // the server has checked the link and the record, and waits for the rest of the bytes
        (await alice.SendRawAsync(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } })).Should().Be("{}");
        await raw.SendAsync(new string('A', 50) + Tail);
        var answer = await raw.ReadResponseAsync(TimeSpan.FromSeconds(20));

        answer.Should().NotBeNull();
        answer!.Status.Should().Be(404, answer.Body);
        (await AttachmentStorages.BytesAsync(factory, id)).Should().BeNull("the bytes went with the delete");
        using var again = await alice.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } }));
        again.StatusCode.Should().Be(HttpStatusCode.NotFound, "the record did not come back");
    }

    [Test]
    public async Task Deleting_an_attachment_whose_bytes_never_arrived_answers_an_empty_object_on_a_new_server()
    {
        // The composer removes a file whose upload failed or never started: attachments.delete before any bytes were
        // stored, here before anything was ever uploaded to this server (no attachment folder yet). It used to be a 500.
        var created = await CreateAsync("notes.txt", 5, "text/plain");
        var id = created["id"]!.GetValue<string>();

        (await _alice.SendRawAsync(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } })).Should().Be("{}");

        (await _alice.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsDeleteRequest { Params = new() { AttachmentId = id } }))).StatusCode.Should().Be(HttpStatusCode.NotFound, "the record is gone");
        (await AttachmentStorages.StoredAsync(_factory)).Should().BeEmpty();
    }

    [Test]
    public async Task Unused_attachments_are_removed_after_the_retention_and_used_ones_stay()
    {
        using var unusedResponse = await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, "old.png", "image/png"));
        var unused = JsonNode.Parse(await unusedResponse.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        using var usedResponse = await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, "kept.png", "image/png"));
        var used = JsonNode.Parse(await usedResponse.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        _upstream.Enqueue(Reply.Text("ok"));
        await _alice.StreamAsync(CreateWith("keep this", used)).CollectAsync();
        var cleanup = _factory.Services.GetRequiredService<UnusedAttachmentCleanup>();

        (await cleanup.RunOnceAsync(CancellationToken.None)).Should().Be(0, "nothing is older than the retention yet");
        _factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AttachmentOptions>>().Value.UnusedRetention = TimeSpan.Zero;
        (await cleanup.RunOnceAsync(CancellationToken.None)).Should().Be(1);

        (await AttachmentStorages.BytesAsync(_factory, unused)).Should().BeNull();
        (await AttachmentStorages.BytesAsync(_factory, used)).Should().Equal(Png);
        (await _alice.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsDeleteRequest { Params = new() { AttachmentId = unused } }))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Two_instances_cleaning_up_at_the_same_moment_both_finish_without_failing()
    {
        foreach (var name in new[] { "a.png", "b.png" })
            (await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, name, "image/png"))).EnsureSuccessStatusCode();
        _factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AttachmentOptions>>().Value.UnusedRetention = TimeSpan.Zero;
        // Instances started together tick together: the other instance's pass has listed the same attachments and is
        // about to delete the first when this one's pass removes them all.
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storageOfOther = new HeldDeletes(_factory.Services.GetRequiredService<IAttachmentStorage>(), listed, go.Task);
        var other = ActivatorUtilities.CreateInstance<UnusedAttachmentCleanup>(_factory.Services, storageOfOther);
        var otherPass = other.RunOnceAsync(CancellationToken.None);
        await listed.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The other pass took the first and waits to delete its bytes; this one takes what is left.
        var removedHere = await _factory.Services.GetRequiredService<UnusedAttachmentCleanup>().RunOnceAsync(CancellationToken.None);
        go.SetResult();

        var removedThere = await otherPass.WaitAsync(TimeSpan.FromSeconds(20));
        (removedHere, removedThere).Should().Be((1, 1), "each pass removed what it took, and finding the other gone is not a failure");
        (await AttachmentStorages.StoredAsync(_factory)).Should().BeEmpty();
    }

    [Test]
    public async Task An_attachment_a_message_takes_while_a_cleanup_pass_runs_keeps_its_bytes()
    {
        using var first = await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, "a.png", "image/png"));
        var a = JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        using var second = await _alice.Http.PostAsync("/chatkit/attachments", Form(Png, "b.png", "image/png"));
        var b = JsonNode.Parse(await second.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        _factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AttachmentOptions>>().Value.UnusedRetention = TimeSpan.Zero;
        // A pass lists both as unused and is held while removing the first; meanwhile a message sends the second.
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pass = ActivatorUtilities.CreateInstance<UnusedAttachmentCleanup>(_factory.Services,
            new HeldDeletes(_factory.Services.GetRequiredService<IAttachmentStorage>(), asked, go.Task)).RunOnceAsync(CancellationToken.None);
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(20));
        _upstream.Enqueue(Reply.Text("a dot"));
        await _alice.StreamAsync(CreateWith("what is this?", b)).CollectAsync();
        go.SetResult();

        (await pass.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(1, "only the attachment still unused was removed");
        (await AttachmentStorages.BytesAsync(_factory, a)).Should().BeNull();
        (await AttachmentStorages.BytesAsync(_factory, b)).Should().Equal(Png, "the message that sent it still shows it");
        (await _alice.Http.PostAsync("/chatkit", Wire.Body(new AttachmentsDeleteRequest { Params = new() { AttachmentId = b } }))).StatusCode.Should().Be(HttpStatusCode.OK, "its record is there");
    }

    /// <summary>A storage whose deletes wait for <paramref name="go"/>, saying when the first one is asked.</summary>
    private sealed class HeldDeletes(IAttachmentStorage inner, TaskCompletionSource asked, Task go) : IAttachmentStorage
    {
        public Task<long> SaveAsync(string attachmentId, Stream content, long maxBytes, CancellationToken cancellationToken) => inner.SaveAsync(attachmentId, content, maxBytes, cancellationToken);
        public Task<Stream?> OpenReadAsync(string attachmentId, CancellationToken cancellationToken) => inner.OpenReadAsync(attachmentId, cancellationToken);

        public async Task DeleteAsync(string attachmentId, CancellationToken cancellationToken)
        {
            asked.TrySetResult();
            await go;
            await inner.DeleteAsync(attachmentId, cancellationToken);
        }
    }
}
