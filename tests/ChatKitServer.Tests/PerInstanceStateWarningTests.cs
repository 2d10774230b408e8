using ChatKitServer.Hosting;
using Microsoft.Extensions.Configuration;

namespace ChatKitServer.Tests;

/// <summary>
/// What a configuration keeps per instance on a server database, logged at start (found by a multi-instance audit,
/// 2026-12: instances started without Redis, a shared attachments folder or the database's turn lock split silently).
/// </summary>
public class PerInstanceStateWarningTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Test]
    public void SQLite_names_nothing()
    {
        PerInstanceStateWarning.PerInstanceState(Settings(("Database:Provider", "Sqlite"), ("Attachments:Path", "data/attachments"), ("Database:TurnLock", "InProcess")))
            .Should().BeEmpty("a SQLite file is one machine's");
    }

    [Test]
    public void A_server_database_without_the_shared_settings_names_each_one()
    {
        var kept = PerInstanceStateWarning.PerInstanceState(Settings(
            ("Database:Provider", "PostgreSql"), ("ConnectionStrings:ChatKit", "Host=db;Database=chatkit"), ("Attachments:Path", "data/attachments"), ("Database:TurnLock", "InProcess")));

        kept.Should().HaveCount(3);
        kept.Should().Contain(k => k.StartsWith("Database:TurnLock=InProcess"))
            .And.Contain(k => k.StartsWith("no Redis:ConnectionString"))
            .And.Contain(k => k.Contains("'data/attachments' is relative"));
    }

    [TestCase("AzureBlob", "data/attachments")]
    [TestCase("Local", "/mnt/shared/attachments")]
    public void A_server_database_with_the_shared_settings_names_nothing(string storage, string path)
    {
        PerInstanceStateWarning.PerInstanceState(Settings(
                ("Database:Provider", "SqlServer"), ("ConnectionStrings:ChatKit", "Server=db;Database=chatkit"), ("Redis:ConnectionString", "redis:6379"),
                ("Attachments:Storage", storage), ("Attachments:Path", path)))
            .Should().BeEmpty();
    }
}
