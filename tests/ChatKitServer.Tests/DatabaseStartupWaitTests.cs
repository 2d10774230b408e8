using System.Diagnostics;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;
using Npgsql;

namespace ChatKitServer.Tests;

/// <summary>
/// A server started before its database (compose, Kubernetes): the start waits for it up to <c>Database:StartupWaitSeconds</c>,
/// trying again while the connection is refused, then serves; with the wait spent it stops with one line naming the setting;
/// an error that waiting does not fix stops it at once. The real process, on PostgreSQL (SQLite, a file, does not wait).
/// </summary>
public class DatabaseStartupWaitTests
{
    private const string Waiting = "The database is not reachable yet";

    private static Dictionary<string, string> OnPostgreSql(string connectionString, string home, int waitSeconds) => new()
    {
        ["Database__Provider"] = "PostgreSql",
        ["ConnectionStrings__ChatKit"] = connectionString,
        ["Database__StartupWaitSeconds"] = waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Attachments__Path"] = Path.Combine(home, "attachments"),
    };

    /// <summary>A connection string to <paramref name="port"/> on loopback, where nothing may listen yet.</summary>
    private static string On(int port, string username = "chatkit") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = username, Database = "chatkit_late", Timeout = 5 }.ConnectionString;

    [Test]
    public async Task A_server_started_before_its_PostgreSQL_waits_for_it_then_serves_and_saves()
    {
        PostgreSqlServer.IgnoreUnlessInstalled();
        var home = Directory.CreateTempSubdirectory("chatkit-latedb-").FullName;
        var databasePort = ServerProcess.FreePort();
        PostgreSqlServer? postgres = null;
        var server = ServerProcess.Launch(OnPostgreSql(On(databasePort), home, waitSeconds: 120), ServerProcess.FreePort(), home);
        try
        {
            // The server has tried and found nothing on the port before the database starts there.
            (await server.WaitForOutputAsync(Waiting, TimeSpan.FromSeconds(60))).Should().BeTrue("the start waits for the database; its output:\n" + server.Output);
            postgres = await PostgreSqlServer.StartOwnAsync(databasePort);
            await server.WaitHealthyAsync();

            var client = new ChatKitClient(server.Http);
            var threadId = (await client.CreateThreadAsync(ChatKitClient.Text("after the wait")).CollectAsync()).ThreadId!;
            (await client.ListThreadsAsync()).Data.Select(t => t.Id).Should().Equal(threadId);
            await using (var connection = new NpgsqlConnection(postgres.ConnectionString("chatkit_late")))
            {
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand("SELECT count(*) FROM chatkit_threads WHERE \"Id\" = $1", connection) { Parameters = { new() { Value = threadId } } };
                ((long)(await count.ExecuteScalarAsync())!).Should().Be(1, "the thread is saved in the database that came late");
            }
            server.Output.Should().MatchRegex(@"not reachable yet \(attempt \d+, [\d.]+ s of Database:StartupWaitSeconds=120 s\): NpgsqlException: ", "each wait is logged with its attempt, time and failure");
        }
        finally
        {
            server.Dispose();
            postgres?.Stop();
            Directory.Delete(home, recursive: true);
        }
    }

    [Test]
    public async Task With_the_wait_spent_and_no_database_the_start_stops_with_one_line_naming_the_setting()
    {
        var home = Directory.CreateTempSubdirectory("chatkit-latedb-").FullName;
        var clock = Stopwatch.StartNew();
        using var server = ServerProcess.Launch(OnPostgreSql(On(ServerProcess.FreePort()), home, waitSeconds: 2), ServerProcess.FreePort(), home);
        try
        {
            (await server.WaitExitAsync(TimeSpan.FromSeconds(60))).Should().BeTrue("the start ends once its 2 s wait is spent; its output:\n" + server.Output);
            server.Process.WaitForExit(); // the rest of its output
            TestContext.Out.WriteLine($"exited with {server.Process.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s:\n{server.Output}");

            server.Process.ExitCode.Should().Be(1, server.Output);
            var lines = server.Output.Split('\n');
            lines.Should().ContainSingle(l => l.StartsWith("Database error: ") && l.Contains("within Database:StartupWaitSeconds (2 s") && l.Contains("Connection refused"));
            lines.Count(l => l.Contains(Waiting)).Should().BeGreaterThanOrEqualTo(2, "it tried again, backing off from 0.5 s");
            server.Output.Should().NotContain("   at ", "no stack trace");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Test]
    public async Task An_error_that_waiting_does_not_fix_stops_the_start_at_once()
    {
        var postgres = await PostgreSqlServer.SharedAsync();
        var home = Directory.CreateTempSubdirectory("chatkit-latedb-").FullName;
        var clock = Stopwatch.StartNew();
        using var server = ServerProcess.Launch(OnPostgreSql(On(postgres.Port, username: "no_such_role"), home, waitSeconds: 120), ServerProcess.FreePort(), home);
        try
        {
            (await server.WaitExitAsync(TimeSpan.FromSeconds(60))).Should().BeTrue("an unknown role is not waited for; its output:\n" + server.Output);
            server.Process.WaitForExit();
            TestContext.Out.WriteLine($"exited with {server.Process.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s:\n{server.Output}");

            server.Process.ExitCode.Should().Be(1, server.Output);
            server.Output.Should().NotContain(Waiting);
            server.Output.Split('\n').Should().ContainSingle(l => l.StartsWith("Database error: ") && l.Contains("waiting does not fix") && l.Contains("28000: role \"no_such_role\" does not exist"),
                "one line says why the start did not wait, with PostgreSQL's error");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
