using System.Net;
using System.Text;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKit.EntityFrameworkCore;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// An app that embeds ChatKit with an EF Core store reports the store's health through ASP.NET Core's health checks
/// (<c>AddHealthChecks().AddChatKitStore()</c>): healthy on a migrated SQLite file, unhealthy (503, with the check's
/// reason) on one that was never migrated, which a request would also fail on.
/// </summary>
public class EmbeddedHealthCheckTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("chatkit-embedded-health-").FullName;

    [TearDown]
    public void DeleteFolder()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task The_store_check_is_healthy_on_a_migrated_database_and_unhealthy_on_one_that_is_not()
    {
        await using var migrated = await StartAsync(Path.Combine(_folder, "migrated.db"), migrate: true);
        await using var bare = await StartAsync(Path.Combine(_folder, "bare.db"), migrate: false);

        using var healthy = await migrated.GetTestClient().GetAsync("/healthz");
        using var unhealthy = await bare.GetTestClient().GetAsync("/healthz");

        healthy.StatusCode.Should().Be(HttpStatusCode.OK);
        (await healthy.Content.ReadAsStringAsync()).Should().Contain("\"chatkit-store\":\"Healthy\"");
        unhealthy.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var report = await unhealthy.Content.ReadAsStringAsync();
        report.Should().Contain("\"chatkit-store\":\"Unhealthy\"").And.Contain("The store does not answer").And.Contain("no such table");
    }

    [Test]
    public void The_check_needs_a_name()
    {
        var checks = new ServiceCollection().AddHealthChecks();
        checks.Invoking(c => c.AddChatKitStore(name: " ")).Should().Throw<ArgumentException>();
    }

    private static async Task<WebApplication> StartAsync(string database, bool migrate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddChatKit().AddResponder<TestResponder>();
        builder.Services.AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={database}"));
        builder.Services.AddHealthChecks().AddChatKitStore(timeout: TimeSpan.FromSeconds(5));
        var app = builder.Build();
        if (migrate) await app.Services.MigrateChatKitDatabaseAsync();
        app.MapChatKit("/chatkit");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteEntries });
        await app.StartAsync();
        return app;
    }

    /// <summary>Each check's status and description, as JSON (ASP.NET Core's default writer gives the overall status only).</summary>
    private static Task WriteEntries(HttpContext http, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var entries = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString());
        var reasons = report.Entries.ToDictionary(e => e.Key, e => e.Value.Description);
        return http.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new { entries, reasons }), Encoding.UTF8);
    }
}
