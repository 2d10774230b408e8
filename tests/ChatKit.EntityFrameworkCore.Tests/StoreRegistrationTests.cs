using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>How the store's database is chosen: one provider package's <c>Use…</c> call, with EF's provider options after the store's defaults.</summary>
public sealed class StoreRegistrationTests
{
    [Test]
    public void A_store_without_a_database_is_refused_with_the_calls_that_choose_one()
    {
        var act = () => new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.UseTurnLock(ChatKitTurnLockMode.InProcess));
        act.Should().Throw<InvalidOperationException>().WithMessage("*store.UseSqlite(...)*ChatKit.EntityFrameworkCore.Sqlite*");
    }

    [Test]
    public async Task Migrating_without_the_store_says_which_call_adds_it()
    {
        // An app on AddInMemoryStore() that copied the migration call was told "No service for type
        // 'ChatKit.EntityFrameworkCore.ChatKitDatabaseProvider' has been registered".
        await using var services = new ServiceCollection().BuildServiceProvider();

        var migrate = () => services.MigrateChatKitDatabaseAsync();
        var restamp = () => services.RestampChatKitStoredJsonAsync();

        (await migrate.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*AddChatKitEntityFrameworkStore(store => store.UseSqlite(...))*");
        (await restamp.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*AddChatKitEntityFrameworkStore(store => store.UseSqlite(...))*");
    }

    [Test]
    public void A_store_on_two_databases_is_refused()
    {
        var act = () => new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.UseSqlite("Data Source=unused.db").UsePostgreSql("Host=nowhere;Database=chatkit"));
        act.Should().Throw<InvalidOperationException>().WithMessage("*already SQLite*");
    }

    [Test]
    public async Task The_callers_provider_options_run_after_the_stores_defaults()
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql("Host=nowhere;Database=chatkit",
                npgsql => npgsql.ExecutionStrategy(dependencies => new NonRetryingExecutionStrategy(dependencies))))
            .BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();

        db.Database.CreateExecutionStrategy().RetriesOnFailure.Should().BeFalse("the caller turned the default retries off");
    }

    [TestCase("Host=nowhere;Database=chatkit", 64)]
    [TestCase("Host=nowhere;Database=chatkit;Max Auto Prepare=0", 0)]
    [TestCase("Host=nowhere;Database=chatkit;MaxAutoPrepare=10", 10)]
    public async Task PostgreSql_statements_are_prepared_unless_the_connection_string_says_otherwise(string connectionString, int expected)
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql(connectionString))
            .BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();

        var settings = new Npgsql.NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());
        settings.MaxAutoPrepare.Should().Be(expected);
        settings.NoResetOnClose.Should().BeTrue("the store leaves no session state for a reset to clear");
        settings.Host.Should().Be("nowhere");
        settings.Database.Should().Be("chatkit");
    }

    [TestCase("Host=nowhere;Database=chatkit;No Reset On Close=false", false)]
    [TestCase("Host=nowhere;Database=chatkit;NoResetOnClose=false;Max Auto Prepare=0", false)]
    [TestCase("Host=nowhere;Database=chatkit;Max Auto Prepare=0", true)]
    public async Task PostgreSql_connections_skip_the_session_reset_unless_the_connection_string_says_otherwise(string connectionString, bool expected)
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql(connectionString))
            .BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();

        new Npgsql.NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).NoResetOnClose.Should().Be(expected);
    }

    [Test]
    public async Task The_chosen_database_is_registered_for_the_hosts_own_migrations()
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlServer("Server=nowhere;Database=ChatKit;TrustServerCertificate=True"))
            .BuildServiceProvider();

        var database = services.GetRequiredService<ChatKitDatabaseProvider>();
        database.Name.Should().Be("SQL Server");
        database.HasDatabaseTurnLock.Should().BeTrue();
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        db.Should().BeOfType<SqlServerChatKitDbContext>();
    }
}
