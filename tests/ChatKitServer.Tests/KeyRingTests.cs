using System.Net;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Hosting;
using ChatKitServer.KeyRing;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests;

/// <summary>The Data Protection key ring lives in the database: signed links work on every instance and after restarts.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class KeyRingTests(TestDatabase database)
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private string _folder = null!;
    private string _connectionString = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-keyring", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_folder);
        _connectionString = database == TestDatabase.PostgreSql
            ? await (await PostgreSqlServer.SharedAsync()).CreateDatabaseAsync()
            : $"Data Source={Path.Combine(_folder, "chatkit.db")}";
    }

    [TearDown]
    public async Task TearDown()
    {
        SqliteConnection.ClearAllPools();
        if (database == TestDatabase.PostgreSql && _connectionString is not null)
            await (await PostgreSqlServer.SharedAsync()).DropDatabaseAsync(_connectionString);
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>An instance on the shared database and the shared attachments folder, with bearer tokens (so only a valid signature opens a preview).</summary>
    private ServerFactory Instance() => new(new()
    {
        ["ConnectionStrings:ChatKit"] = _connectionString,
        ["Attachments:Path"] = Path.Combine(_folder, "attachments"),
    }, database: database);

    [Test]
    public async Task A_preview_link_signed_by_one_instance_opens_on_another_and_after_a_restart_but_not_without_the_databases_keys()
    {
        string preview;
        using (var first = Instance())
        using (var second = Instance())
        {
            var image = await first.ClientFor("alice").UploadDirectAsync("/chatkit/attachments", new MemoryStream(Png), "cat.png", "image/png");
            preview = new Uri(image.Should().BeOfType<ImageAttachment>().Subject.PreviewUrl).PathAndQuery;

            await ExpectPreviewAsync(second, HttpStatusCode.OK, "another instance verifies the signature");
            await ExpectPreviewAsync(first, HttpStatusCode.OK, "the signing instance too");
        }

        using (var restarted = Instance())
        {
            await ExpectPreviewAsync(restarted, HttpStatusCode.OK, "the keys outlive the process");
            restarted.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!.GetType().GetGenericTypeDefinition()
                .Should().Be(typeof(EntityFrameworkCoreXmlRepository<>));
            await using var scope = restarted.Services.CreateAsyncScope();
            var keys = scope.ServiceProvider.GetRequiredService<KeyRingDbContext>();
            (await keys.DataProtectionKeys.CountAsync()).Should().Be(1, "one key, made by the first instance, is shared by all");
            await keys.DataProtectionKeys.ExecuteDeleteAsync();
        }

        using var withoutKeys = Instance();
        await ExpectPreviewAsync(withoutKeys, HttpStatusCode.NotFound, "the link's key was the database's, and it is gone");

        async Task ExpectPreviewAsync(ServerFactory instance, HttpStatusCode status, string because)
        {
            using var anonymous = instance.CreateClient();
            using var response = await anonymous.GetAsync(preview);
            response.StatusCode.Should().Be(status, because);
            if (status == HttpStatusCode.OK) (await response.Content.ReadAsByteArrayAsync()).Should().Equal(Png);
        }
    }

    [Test]
    public void Every_instance_gives_data_protection_the_same_application_name()
    {
        using var instance = Instance();
        instance.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.DataProtection.DataProtectionOptions>>().Value.ApplicationDiscriminator
            .Should().Be(KeyRingSetup.ApplicationName, "the default, the content root path, differs between hosts");
    }

    [Test]
    public async Task Instances_starting_together_on_an_empty_database_sign_with_one_key()
    {
        // Each instance's Data Protection made a key of its own at start when it found none; an instance that read the ring
        // before another's key was saved did not know that key, and refused what the other signed (links, admin sign-ins)
        // once its first two minutes were over, until it read the ring again a day later.
        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = database == TestDatabase.PostgreSql ? "PostgreSql" : "Sqlite",
            ["ConnectionStrings__ChatKit"] = _connectionString,
            ["Attachments__Path"] = Path.Combine(_folder, "attachments"),
        };
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            ServerProcess.StartAsync(environment, ServerProcess.FreePort(), Path.Combine(_folder, "host" + i))));
        try
        {
            using var reader = Instance();
            reader.Services.GetRequiredService<IKeyManager>().GetAllKeys().Should().ContainSingle("the first key is made once, whichever instance makes it");
        }
        finally
        {
            foreach (var server in started) server.Dispose();
        }
    }
}
