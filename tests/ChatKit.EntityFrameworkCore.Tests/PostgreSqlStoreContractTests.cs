using Microsoft.EntityFrameworkCore;
using ChatKit.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The EF Core store on a real PostgreSQL (started by the tests on loopback), a new database per test, migrated as the server does.</summary>
public sealed class PostgreSqlStoreContractTests : StoreContractTests
{
    private PostgreSqlServer _server = null!;
    private string _connectionString = null!;
    private ServiceProvider _services = null!;

    protected override async Task<IChatKitStore> CreateStoreAsync()
    {
        _server = await PostgreSqlServer.SharedAsync();
        _connectionString = await _server.CreateDatabaseAsync();
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql(_connectionString))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
        return _services.GetRequiredService<IChatKitStore>();
    }

    protected override bool SendsStoredJson => true;

    protected override string UpdatedAtLater => "\"UpdatedAt\" + interval '1 millisecond'";

    protected override Func<string, Task>? Sql => async sql =>
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    };

    protected override async Task DisposeStoreAsync()
    {
        if (_services is null) return;
        await _services.DisposeAsync();
        await _server.DropDatabaseAsync(_connectionString);
    }
}
