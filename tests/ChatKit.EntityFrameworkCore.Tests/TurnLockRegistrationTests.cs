using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>Which turn lock the store registration gives the engine.</summary>
public sealed class TurnLockRegistrationTests
{
    [TestCase(ChatKitDatabaseProvider.Sqlite, ChatKitTurnLockMode.Auto, typeof(InProcessTurnLock))]
    [TestCase(ChatKitDatabaseProvider.PostgreSql, ChatKitTurnLockMode.Auto, typeof(PostgreSqlTurnLock))]
    [TestCase(ChatKitDatabaseProvider.SqlServer, ChatKitTurnLockMode.Auto, typeof(SqlServerTurnLock))]
    [TestCase(ChatKitDatabaseProvider.PostgreSql, ChatKitTurnLockMode.InProcess, typeof(InProcessTurnLock))]
    [TestCase(ChatKitDatabaseProvider.SqlServer, ChatKitTurnLockMode.Database, typeof(SqlServerTurnLock))]
    public async Task The_provider_chooses_the_lock_unless_the_setting_says_otherwise(ChatKitDatabaseProvider provider, ChatKitTurnLockMode mode, Type expected)
    {
        var connectionString = provider switch
        {
            ChatKitDatabaseProvider.Sqlite => "Data Source=unused.db",
            ChatKitDatabaseProvider.PostgreSql => "Host=nowhere;Database=chatkit",
            _ => "Server=nowhere;Database=ChatKit;TrustServerCertificate=True",
        };
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(new ChatKitDatabaseOptions { Provider = provider, ConnectionString = connectionString, TurnLock = mode })
            .BuildServiceProvider();

        services.GetRequiredService<IChatKitTurnLock>().Should().BeOfType(expected);
    }

    [Test]
    public void A_database_lock_on_SQLite_is_refused_with_a_reason()
    {
        var act = () => new ServiceCollection().AddChatKitEntityFrameworkStore(new ChatKitDatabaseOptions { TurnLock = ChatKitTurnLockMode.Database });
        act.Should().Throw<ValidationException>().WithMessage("*SqlServer or PostgreSql*");
    }
}
