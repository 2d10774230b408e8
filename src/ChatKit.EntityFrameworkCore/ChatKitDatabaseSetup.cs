using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore;

/// <summary>The database providers the store supports.</summary>
public enum ChatKitDatabaseProvider
{
    /// <summary>An embedded SQLite file (the default).</summary>
    Sqlite,
    /// <summary>Microsoft SQL Server or Azure SQL.</summary>
    SqlServer,
}

/// <summary>Which database the store uses.</summary>
public sealed class ChatKitDatabaseOptions
{
    /// <summary>The provider.</summary>
    public ChatKitDatabaseProvider Provider { get; set; } = ChatKitDatabaseProvider.Sqlite;

    /// <summary>The provider's connection string.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ConnectionString { get; set; } = "Data Source=chatkit.db";
}

/// <summary>Registers the EF Core store and migrates its database.</summary>
public static class ChatKitDatabaseSetup
{
    /// <summary>
    /// Contexts kept for reuse (EF's default is 1,024). A burst of thousands of streams would otherwise
    /// leave a thousand idle contexts in memory for the life of the process.
    /// </summary>
    public const int ContextPoolSize = 128;

    /// <summary>
    /// Registers <see cref="IChatKitStore"/> as <see cref="EfChatKitStore"/> over a pooled context
    /// factory for the chosen provider, plus the <see cref="IDbContextFactory{ChatKitDbContext}"/>
    /// other features may query with and the <see cref="ChatKitWriteGate"/> their writes go through.
    /// </summary>
    public static IServiceCollection AddChatKitEntityFrameworkStore(this IServiceCollection services, ChatKitDatabaseOptions options)
    {
        services.AddSingleton(options);
        switch (options.Provider)
        {
            case ChatKitDatabaseProvider.Sqlite:
                services.AddPooledDbContextFactory<SqliteChatKitDbContext>(o => o.UseSqlite(options.ConnectionString).AddInterceptors(new SqliteConnectionSettings()), poolSize: ContextPoolSize);
                services.AddSingleton(ChatKitWriteGate.SingleWriter());
                services.AddSingleton<IDbContextFactory<ChatKitDbContext>>(sp => new BaseFactory<SqliteChatKitDbContext>(sp.GetRequiredService<IDbContextFactory<SqliteChatKitDbContext>>()));
                break;
            case ChatKitDatabaseProvider.SqlServer:
                services.AddPooledDbContextFactory<SqlServerChatKitDbContext>(o => o.UseSqlServer(options.ConnectionString, sql => sql.EnableRetryOnFailure()), poolSize: ContextPoolSize);
                services.AddSingleton(ChatKitWriteGate.None);
                services.AddSingleton<IDbContextFactory<ChatKitDbContext>>(sp => new BaseFactory<SqlServerChatKitDbContext>(sp.GetRequiredService<IDbContextFactory<SqlServerChatKitDbContext>>()));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "Unknown database provider.");
        }
        services.AddSingleton<IChatKitStore>(sp => new EfChatKitStore(
            sp.GetRequiredService<IDbContextFactory<ChatKitDbContext>>(), sp.GetService<TimeProvider>(), sp.GetRequiredService<ChatKitWriteGate>()));
        return services;
    }

    /// <summary>
    /// Applies the provider's pending migrations (creating the database, for SQLite the file and its
    /// folder, when missing). SQLite is switched to WAL so readers never wait for the writer.
    /// </summary>
    public static async Task MigrateChatKitDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<ChatKitDatabaseOptions>();
        if (options.Provider == ChatKitDatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder) && file != ":memory:") Directory.CreateDirectory(folder);
        }
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        if (options.Provider == ChatKitDatabaseProvider.Sqlite)
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }

    private sealed class BaseFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<ChatKitDbContext> where T : ChatKitDbContext
    {
        public ChatKitDbContext CreateDbContext() => inner.CreateDbContext();
        public async Task<ChatKitDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
    }
}
