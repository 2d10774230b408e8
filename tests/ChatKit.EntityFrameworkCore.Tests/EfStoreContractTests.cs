using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The EF Core store on a real SQLite file, created and migrated as the server does.</summary>
public class EfStoreContractTests : StoreContractTests
{
    private string _folder = null!;
    private ServiceProvider _services = null!;

    protected override async Task<IChatKitStore> CreateStoreAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-ef-tests", Guid.NewGuid().ToString("n"));
        _services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={Path.Combine(_folder, "sub", "chatkit.db")}"))
            .BuildServiceProvider();
        await _services.MigrateChatKitDatabaseAsync();
        File.Exists(Path.Combine(_folder, "sub", "chatkit.db")).Should().BeTrue("the database file and its folder are created on first run");
        return _services.GetRequiredService<IChatKitStore>();
    }

    protected override bool SendsStoredJson => true;

    protected override string UpdatedAtLater => "\"UpdatedAt\" + 10";

    protected override Func<string, Task>? Sql => async sql =>
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    };

    protected override async Task DisposeStoreAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// The same on a SQLite file whose reads go through Microsoft.Data.Sqlite's reader (the provider's switch, and the way any
/// provider's prepared reads run by default) rather than calling SQLite on the statement.
/// </summary>
public sealed class EfStoreContractTestsThroughDataReader : EfStoreContractTests
{
    protected override Task<IChatKitStore> CreateStoreAsync()
    {
        AppContext.SetSwitch(SqliteChatKitProvider.ReadThroughDataReaderSwitch, true);
        return base.CreateStoreAsync();
    }

    protected override async Task DisposeStoreAsync()
    {
        await base.DisposeStoreAsync();
        AppContext.SetSwitch(SqliteChatKitProvider.ReadThroughDataReaderSwitch, false);
    }
}
