namespace ChatKit.EntityFrameworkCore.Tests.Support;

/// <summary>The store's databases by the names the server's <c>Database:Provider</c> uses, for tests that run on each.</summary>
internal static class TestDatabases
{
    public static ChatKitStoreBuilder Use(this ChatKitStoreBuilder store, string provider, string connectionString) => provider switch
    {
        "Sqlite" => store.UseSqlite(connectionString),
        "SqlServer" => store.UseSqlServer(connectionString),
        "PostgreSql" => store.UsePostgreSql(connectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
    };
}
