using System.ComponentModel.DataAnnotations;
using ChatKit.EntityFrameworkCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>Which turn lock the store registration gives the engine.</summary>
public sealed class TurnLockRegistrationTests
{
    [TestCase("Sqlite", ChatKitTurnLockMode.Auto, typeof(SqliteFileTurnLock))]
    [TestCase("Sqlite", ChatKitTurnLockMode.Database, typeof(SqliteFileTurnLock))]
    [TestCase("Sqlite", ChatKitTurnLockMode.InProcess, typeof(InProcessTurnLock))]
    [TestCase("SqliteInMemory", ChatKitTurnLockMode.Auto, typeof(InProcessTurnLock))]
    [TestCase("PostgreSql", ChatKitTurnLockMode.Auto, typeof(PostgreSqlTurnLock))]
    [TestCase("SqlServer", ChatKitTurnLockMode.Auto, typeof(SqlServerTurnLock))]
    [TestCase("PostgreSql", ChatKitTurnLockMode.InProcess, typeof(InProcessTurnLock))]
    [TestCase("SqlServer", ChatKitTurnLockMode.Database, typeof(SqlServerTurnLock))]
    public async Task The_provider_chooses_the_lock_unless_the_setting_says_otherwise(string provider, ChatKitTurnLockMode mode, Type expected)
    {
        var connectionString = provider switch
        {
            "Sqlite" => "Data Source=unused.db",
            "SqliteInMemory" => "Data Source=:memory:",
            "PostgreSql" => "Host=nowhere;Database=chatkit",
            _ => "Server=nowhere;Database=ChatKit;TrustServerCertificate=True",
        };
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.Use(provider == "SqliteInMemory" ? "Sqlite" : provider, connectionString).UseTurnLock(mode))
            .BuildServiceProvider();

        services.GetRequiredService<IChatKitTurnLock>().Should().BeOfType(expected);
    }

    [TestCase("Data Source=:memory:")]
    [TestCase("Data Source=chatkit;Mode=Memory;Cache=Shared")]
    public void A_database_lock_on_an_in_memory_SQLite_database_is_refused_with_a_reason(string connectionString)
    {
        var act = () => new ServiceCollection().AddChatKitEntityFrameworkStore(store => store.UseSqlite(connectionString).UseTurnLock(ChatKitTurnLockMode.Database));
        act.Should().Throw<ValidationException>().WithMessage("*SqlServer, PostgreSql or a SQLite file*");
    }
}
