using System.Net;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ChatKit.AspNetCore;
using ChatKitServer.Attachments;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests;

/// <summary>
/// Attachment bytes in Azure Blob Storage, against a real Azurite: the settings checked at start, the container
/// made when missing, uploads streamed in blocks with the limit kept while copying and nothing left behind by a
/// refused or broken upload, and readiness following the storage. (The HTTP attachment tests run on this
/// storage too: <see cref="AttachmentTests"/>, <see cref="UploadChecksTests"/>, <see cref="AttachmentLinkTests"/>.)
/// </summary>
public class AzureBlobAttachmentStorageTests
{
    private const int Block = AzureBlobAttachmentStorage.BlockBytes;

    private AzuriteServer _azurite = null!;
    private string _container = null!;
    private AzureBlobAttachmentStorage _storage = null!;

    [SetUp]
    public async Task SetUp()
    {
        _azurite = await AzuriteServer.SharedAsync();
        _container = AzuriteServer.NewContainerName();
        _storage = new AzureBlobAttachmentStorage(Options.Create(new AttachmentOptions
        {
            Storage = AttachmentStorageKind.AzureBlob,
            AzureBlob = { ConnectionString = _azurite.ConnectionString, Container = _container },
        }), NullLogger<AzureBlobAttachmentStorage>.Instance);
        await _storage.CreateContainerIfMissingAsync(CancellationToken.None);
    }

    private static byte[] Bytes(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 % 251)).ToArray();

    /// <summary>Every blob of the container, uncommitted ones (staged blocks) included.</summary>
    private async Task<List<string>> BlobsAsync()
    {
        var names = new List<string>();
        await foreach (var blob in _azurite.Container(_container).GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted }))
            names.Add(blob.Name);
        return names;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [Test]
    public async Task A_file_of_several_blocks_streams_in_and_reads_back_whole_and_delete_removes_it()
    {
        var bytes = Bytes(Block * 3 + 12345);
        var blob = _azurite.Container(_container).GetBlockBlobClient("atc_0123456789abcdef");
        var stagedBeforeTheEnd = -1;
        var source = new TrickleStream(bytes, failAfter: null, atLastRead: async () =>
            stagedBeforeTheEnd = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks.Count());

        var length = await _storage.SaveAsync("atc_0123456789abcdef", source, bytes.Length, CancellationToken.None);

        length.Should().Be(bytes.Length);
        stagedBeforeTheEnd.Should().Be(3, "the first blocks were sent while the rest was still arriving, not gathered whole");
        (await ReadAllAsync((await _storage.OpenReadAsync("atc_0123456789abcdef", CancellationToken.None))!)).Should().Equal(bytes);
        (await blob.GetBlockListAsync()).Value.CommittedBlocks.Should().HaveCount(4, "blocks of 1 MiB");

        await _storage.DeleteAsync("atc_0123456789abcdef", CancellationToken.None);
        (await _storage.OpenReadAsync("atc_0123456789abcdef", CancellationToken.None)).Should().BeNull();
        await _storage.DeleteAsync("atc_0123456789abcdef", CancellationToken.None); // nothing there: no error
        (await BlobsAsync()).Should().BeEmpty();
    }

    [TestCase(100, 99)]
    [TestCase(Block * 6, Block * 2 + 1)]
    public async Task More_bytes_than_the_limit_fail_while_copying_and_leave_no_blob_and_no_staged_block(int sent, int limit)
    {
        var source = new TrickleStream(Bytes(sent), failAfter: null);

        var save = () => _storage.SaveAsync("atc_00000000aaaaaaaa", source, limit, CancellationToken.None);

        (await save.Should().ThrowAsync<AttachmentTooLargeException>()).Which.Limit.Should().Be(limit);
        source.Position.Should().BeLessThanOrEqualTo(limit + TrickleStream.ReadBytes, "reading stopped at the limit, not at the end of the upload");
        (await BlobsAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task An_upload_cut_after_two_blocks_leaves_no_blob_and_no_staged_block()
    {
        var save = () => _storage.SaveAsync("atc_00000000bbbbbbbb", new TrickleStream(Bytes(Block * 4), failAfter: Block * 2 + 10), Block * 10, CancellationToken.None);

        await save.Should().ThrowAsync<IOException>();
        (await BlobsAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task A_failed_upload_never_removes_a_blob_already_stored_under_the_id()
    {
        var kept = Bytes(5000);
        await _storage.SaveAsync("atc_00000000cccccccc", new MemoryStream(kept), kept.Length, CancellationToken.None);

        var again = () => _storage.SaveAsync("atc_00000000cccccccc", new TrickleStream(Bytes(Block * 3), failAfter: null), Block * 2, CancellationToken.None);

        await again.Should().ThrowAsync<AttachmentTooLargeException>();
        (await ReadAllAsync((await _storage.OpenReadAsync("atc_00000000cccccccc", CancellationToken.None))!)).Should().Equal(kept);
    }

    [TestCase("../chatkit.db")]
    [TestCase("atc_0123456789abcdef/../x")]
    public async Task Names_that_are_not_attachment_ids_are_refused(string id)
    {
        var open = () => _storage.OpenReadAsync(id, CancellationToken.None);
        await open.Should().ThrowAsync<ArgumentException>();
    }

    [Test]
    public async Task The_server_makes_its_container_at_start_and_serves_uploads_from_it()
    {
        var container = AzuriteServer.NewContainerName();
        using var factory = new ServerFactory(new()
        {
            ["Attachments:Storage"] = "AzureBlob",
            ["Attachments:AzureBlob:ConnectionString"] = _azurite.ConnectionString,
            ["Attachments:AzureBlob:Container"] = container,
        });
        (await _azurite.Container(container).ExistsAsync()).Value.Should().BeFalse();

        var alice = factory.ClientFor("alice");
        (await _azurite.Container(container).ExistsAsync()).Value.Should().BeTrue("the container is made before the first request");
        using var upload = await alice.Http.PostAsync("/chatkit/attachments", AttachmentTests.Form(AttachmentTests.Png, "dot.png", "image/png"));
        upload.StatusCode.Should().Be(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        var id = System.Text.Json.Nodes.JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        (await _azurite.Container(container).GetBlobClient(id).DownloadContentAsync()).Value.Content.ToArray().Should().Equal(AttachmentTests.Png);
        Directory.Exists(Path.Combine(factory.Folder, "attachments")).Should().BeFalse("nothing is written to the local folder");
    }

    [TestCase("", "chatkit", "Attachments:AzureBlob:ConnectionString is required")]
    [TestCase("UseDevelopmentStorage=true", "Bad_Name", "Attachments:AzureBlob:Container must be a container name")]
    [TestCase("UseDevelopmentStorage=true", "ab", "Attachments:AzureBlob:Container must be a container name")]
    public void Blob_settings_are_checked_at_start(string connectionString, string container, string mentions)
    {
        using var factory = new ServerFactory(new()
        {
            ["Attachments:Storage"] = "AzureBlob",
            ["Attachments:AzureBlob:ConnectionString"] = connectionString,
            ["Attachments:AzureBlob:Container"] = container,
        });
        var start = () => factory.CreateClient();
        start.Should().Throw<Exception>().Where(e => e.ToString().Contains(mentions));
    }

    [Test]
    public void The_local_storage_needs_no_blob_settings()
    {
        using var factory = new ServerFactory(new() { ["Attachments:Storage"] = "Local", ["Attachments:AzureBlob:Container"] = "Not A Name" });
        using var http = factory.CreateClient();
        http.GetAsync("/health/ready").GetAwaiter().GetResult().StatusCode.Should().Be(HttpStatusCode.OK, "no blob check either");
    }

    [Test]
    public async Task Readiness_asks_the_blob_storage_when_attachments_live_there()
    {
        var own = await AzuriteServer.StartAsync();
        using var factory = new ServerFactory(new()
        {
            ["Attachments:Storage"] = "AzureBlob",
            ["Attachments:AzureBlob:ConnectionString"] = own.ConnectionString,
            ["Attachments:AzureBlob:Container"] = "chatkit",
        });
        using var http = factory.CreateClient();
        try
        {
            (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            own.Dispose();
        }

        (await http.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
        using var ready = await http.GetAsync("/health/ready");
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await ready.Content.ReadAsStringAsync()).Should().Be("Unhealthy");
    }

    /// <summary>
    /// An upload arriving in small reads (as a request body does), optionally failing after some bytes (a client
    /// gone); <paramref name="atLastRead"/> runs before the last bytes are handed over.
    /// </summary>
    private sealed class TrickleStream(byte[] bytes, int? failAfter, Func<Task>? atLastRead = null) : Stream
    {
        public const int ReadBytes = 16 * 1024;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (Position >= failAfter) throw new IOException("The client went away.");
            var count = (int)Math.Min(Math.Min(buffer.Length, ReadBytes), bytes.Length - Position);
            if (count > 0 && Position + count == bytes.Length && atLastRead is not null) await atLastRead();
            bytes.AsMemory((int)Position, count).CopyTo(buffer);
            Position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get; set; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
