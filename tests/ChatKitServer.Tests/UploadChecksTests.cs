using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Attachments;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// Uploads are checked before their body is read, through real Kestrel on loopback: each refusal
/// below arrives while the client has sent only the headers and the first kilobyte of what it declared.
/// </summary>
[TestFixture(AttachmentStorageKind.Local)]
[TestFixture(AttachmentStorageKind.AzureBlob)]
public class UploadChecksTests(AttachmentStorageKind storage)
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private ServerFactory _factory = null!;
    private Uri _server = null!;
    private HttpClient _alice = null!;
    private string _aliceToken = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _factory = new ServerFactory(new Dictionary<string, string?> { ["RateLimiting:UploadsPerWindow"] = "1000" }.WithStorage(storage)); // Attachments:MaxBytes stays 20 MiB
        _server = _factory.StartKestrel();
        _aliceToken = _factory.TokenFor("alice");
        _alice = new HttpClient { BaseAddress = _server };
        _alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _aliceToken);
    }

    [OneTimeTearDown]
    public void Stop()
    {
        // A set-up that skipped (no Azurite for the blob storage) leaves these unset.
        _alice?.Dispose();
        _factory?.Dispose();
    }

    /// <summary>Sends the head of a multipart upload declaring <paramref name="declared"/> bytes, the part's headers and 1 KB; returns the answer that came before the rest.</summary>
    private async Task<RawResponse?> AnswerBeforeTheBodyAsync(string path, long declared, string fileType = "image/png", string? token = null)
    {
        using var raw = await RawHttp.ConnectAsync(_server);
        var headers = new List<string> { "Content-Type: multipart/form-data; boundary=XyZ", $"Content-Length: {declared}" };
        if (token is not null) headers.Add("Authorization: Bearer " + token);
        await raw.SendHeadAsync("POST", path, [.. headers]);
        var start = $"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: {fileType}\r\n\r\n" + new string('a', 1024);
        await raw.SendAsync(start);
        var clock = Stopwatch.StartNew();
        var answer = await raw.ReadResponseAsync(TimeSpan.FromSeconds(5));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        return answer;
    }

    private async Task<JsonNode> CreateAttachmentAsync(long size)
    {
        using var created = await _alice.PostAsync("/chatkit", Wire.Body(new AttachmentsCreateRequest { Params = new() { Name = "cat.png", Size = size, MimeType = "image/png" } }));
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
    }

    [Test]
    public async Task A_40_MB_direct_upload_gets_413_before_its_body_is_read()
    {
        var answer = await AnswerBeforeTheBodyAsync("/chatkit/attachments", 40L * 1024 * 1024, token: _aliceToken);

        answer.Should().NotBeNull("the declared size is refused from the headers alone");
        answer!.Status.Should().Be(413);
        answer.Body.Should().Contain("20971520 bytes");
    }

    [Test]
    public async Task A_40_MB_upload_without_a_declared_length_gets_413_when_it_passes_the_limit()
    {
        using var raw = await RawHttp.ConnectAsync(_server);
        await raw.SendHeadAsync("POST", "/chatkit/attachments", "Content-Type: multipart/form-data; boundary=XyZ", "Transfer-Encoding: chunked", "Authorization: Bearer " + _aliceToken);
        var head = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n";
        await raw.SendAsync($"{head.Length:x}\r\n{head}\r\n");
        var chunk = new byte[64 * 1024];
        var framed = System.Text.Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n").Concat(chunk).Concat("\r\n"u8.ToArray()).ToArray();
        var sending = Task.Run(async () =>
        {
            try
            {
                for (var sent = 0L; sent < 40L * 1024 * 1024; sent += chunk.Length) await raw.SendAsync(framed);
            }
            catch (IOException)
            {
                // the server answered and closed before the 40 MB were sent
            }
        });

        var answer = await raw.ReadResponseAsync(TimeSpan.FromSeconds(30));

        answer!.Status.Should().Be(413, "Kestrel cuts the body at the upload limit (it was 400 when the form was read first)");
        await sending.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Test]
    public async Task A_two_phase_upload_with_a_bad_signature_gets_404_before_its_body_is_read()
    {
        var created = await CreateAttachmentAsync(Png.Length);
        var path = new Uri((string)created["upload_descriptor"]!["url"]!).AbsolutePath;

        var answer = await AnswerBeforeTheBodyAsync(path + "?sig=forged", 8L * 1024 * 1024);

        answer.Should().NotBeNull("an anonymous caller with a bad signature is refused before its 8 MB are read or spooled");
        answer!.Status.Should().Be(404);
        (await AttachmentStorages.StoredAsync(_factory)).Should().BeEmpty();
    }

    [Test]
    public async Task A_two_phase_upload_larger_than_declared_gets_400_before_its_body_is_read()
    {
        var created = await CreateAttachmentAsync(Png.Length);
        var url = new Uri((string)created["upload_descriptor"]!["url"]!).PathAndQuery;

        var answer = await AnswerBeforeTheBodyAsync(url, 5L * 1024 * 1024);

        answer!.Status.Should().Be(400);
        answer.Body.Should().Contain($"declared as {Png.Length} bytes");
    }

    [Test]
    public async Task A_direct_upload_of_a_refused_type_gets_415_before_its_bytes_are_read()
    {
        var answer = await AnswerBeforeTheBodyAsync("/chatkit/attachments", 5L * 1024 * 1024, fileType: "application/x-msdownload", token: _aliceToken);

        answer!.Status.Should().Be(415);
    }

    [Test]
    public async Task Uploads_that_pass_the_checks_are_stored_through_Kestrel()
    {
        var created = await CreateAttachmentAsync(Png.Length);
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var anonymous = new HttpClient { BaseAddress = _server };
        using var twoPhase = await anonymous.PostAsync(new Uri((string)created["upload_descriptor"]!["url"]!).PathAndQuery, new MultipartFormDataContent { { file, "file", "cat.png" } });
        twoPhase.StatusCode.Should().Be(HttpStatusCode.OK, await twoPhase.Content.ReadAsStringAsync());

        var text = new ByteArrayContent("hello"u8.ToArray());
        text.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var direct = await _alice.PostAsync("/chatkit/attachments", new MultipartFormDataContent { { new StringContent("ignored"), "note" }, { text, "file", "hello.txt" } });
        direct.StatusCode.Should().Be(HttpStatusCode.OK, await direct.Content.ReadAsStringAsync());
        var attachment = JsonNode.Parse(await direct.Content.ReadAsStringAsync())!;
        attachment["name"]!.GetValue<string>().Should().Be("hello.txt");
        (await AttachmentStorages.BytesAsync(_factory, attachment["id"]!.GetValue<string>())).Should().Equal("hello"u8.ToArray());
    }
}
