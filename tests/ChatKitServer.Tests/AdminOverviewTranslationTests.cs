using ChatKit.EntityFrameworkCore;
using ChatKitServer.Admin;
using ChatKitServer.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// The overview's reads translate to SQL on every provider, as the server registers it (SQL Server cannot
/// run on these machines, so its SQL is generated without a server; SQLite and PostgreSQL also run them in
/// <see cref="AdminOverviewTests"/>): range filters and ordering in SQL, no date arithmetic.
/// </summary>
public class AdminOverviewTranslationTests
{
    [TestCase(DatabaseProvider.Sqlite, "Data Source=translation.db")]
    [TestCase(DatabaseProvider.PostgreSql, "Host=nowhere;Database=chatkit")]
    [TestCase(DatabaseProvider.SqlServer, "Server=nowhere;Database=ChatKit;TrustServerCertificate=True")]
    public async Task The_overview_reads_translate_to_sql(DatabaseProvider provider, string connectionString)
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => new DatabaseOptions { Provider = provider, ConnectionString = connectionString }.UseIn(store))
            .BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync();
        var from = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

        foreach (var user in new[] { null, "alice" })
        {
            var reads = AdminOverviewQueries.ReadsFor(db, from, from.AddDays(30), user);
            foreach (var sql in new[] { reads.ThreadTimes.ToQueryString(), reads.Items.ToQueryString(), reads.Feedback.ToQueryString() })
            {
                sql.Should().Contain("ORDER BY").And.MatchRegex("(?i)(LIMIT|TOP|FETCH)", "each read is bounded in SQL");
                if (user is not null) sql.Should().Contain("UserId", "the user filter runs in SQL");
            }
            reads.Items.ToQueryString().Should().MatchRegex("(?i)CASE", "only hidden items bring their JSON");
        }
        AdminOverviewQueries.NamesOf(db, ["thr_a", "thr_b"]).ToQueryString().Should().Contain("chatkit_threads");
    }
}
