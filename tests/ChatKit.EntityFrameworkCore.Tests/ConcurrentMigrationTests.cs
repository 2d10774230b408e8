using ChatKit.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// Instances that start together on a new PostgreSQL database migrate it together: each one's
/// <c>MigrateChatKitDatabaseAsync</c> must succeed and the schema be applied once.
/// </summary>
public sealed class ConcurrentMigrationTests
{
    [Test]
    public async Task Four_instances_migrating_one_new_database_at_once_all_succeed([Range(1, 5)] int round)
    {
        var server = await PostgreSqlServer.SharedAsync();
        await MigrateTogetherAsync(server, await server.CreateDatabaseAsync());
    }

    [Test]
    public async Task Four_instances_starting_on_a_database_that_does_not_exist_yet_create_it_once_and_migrate_it()
    {
        var server = await PostgreSqlServer.SharedAsync();
        await MigrateTogetherAsync(server, server.ConnectionString("chatkit_" + Guid.NewGuid().ToString("n")));
    }

    private static async Task MigrateTogetherAsync(PostgreSqlServer server, string database)
    {
        var instances = Enumerable.Range(0, 4).Select(_ => new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql(database))
            .BuildServiceProvider()).ToList();
        try
        {
            await Task.WhenAll(instances.Select(s => Task.Run(() => s.MigrateChatKitDatabaseAsync())));

            await using var db = await instances[0].GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
            (await db.Database.GetAppliedMigrationsAsync()).Should().Equal(db.Database.GetMigrations());
        }
        finally
        {
            foreach (var instance in instances) await instance.DisposeAsync();
            await server.DropDatabaseAsync(database);
        }
    }
}
