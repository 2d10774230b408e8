using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChatKitServer.Hosting;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ChatKitServer.Tests;

/// <summary>
/// A connection string that sets no connect timeout gets one no longer than <c>Database:MaxRetryTimeSeconds</c>: one attempt
/// to reach a database host that never answers used to last the driver's 15 s, past the retry budget (10 s by default) and
/// the request's deadline.
/// </summary>
public class DatabaseConnectTimeoutTests
{
    private static DatabaseOptions Options(string provider, string connectionString, string? maxRetrySeconds = null)
    {
        var settings = new Dictionary<string, string?> { ["Database:Provider"] = provider, ["ConnectionStrings:ChatKit"] = connectionString };
        if (maxRetrySeconds is not null) settings["Database:MaxRetryTimeSeconds"] = maxRetrySeconds;
        return DatabaseOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    }

    [TestCase("PostgreSql", "Host=db;Username=chatkit", null, "Timeout", 10)]
    [TestCase("PostgreSql", "Host=db;Username=chatkit", "2.5", "Timeout", 3)]
    [TestCase("PostgreSql", "Host=db;Username=chatkit", "0.2", "Timeout", 1)]
    [TestCase("PostgreSql", "Host=db;Username=chatkit", "120", "Timeout", 15)]
    [TestCase("SqlServer", "Server=db;Database=chatkit", "4", "Connect Timeout", 4)]
    public void A_connection_string_without_a_connect_timeout_gets_one_within_the_retry_budget(string provider, string connectionString, string? maxRetrySeconds, string key, int seconds)
    {
        var effective = Options(provider, connectionString, maxRetrySeconds).EffectiveConnectionString;

        var parsed = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = effective };
        parsed[key].Should().Be(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        parsed[provider == "PostgreSql" ? "Host" : "Server"].Should().Be("db", "the rest of the connection string is kept");
    }

    [TestCase("PostgreSql", "Host=db;Username=chatkit;timeout=30")]
    [TestCase("SqlServer", "Server=db;Database=chatkit;Connection Timeout=45")]
    [TestCase("Sqlite", "Data Source=chatkit.db")]
    public void A_connection_string_that_sets_its_own_timeout_and_a_sqlite_one_are_kept_as_they_are(string provider, string connectionString)
    {
        Options(provider, connectionString, "2").EffectiveConnectionString.Should().Be(connectionString);
    }

    [Test]
    public async Task Opening_a_connection_to_a_postgresql_host_that_never_answers_fails_within_the_retry_budget()
    {
        // A host that accepts the connection and then says nothing, as one behind a dropped route or a hung server does.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            try { while (true) accepted.Add(await silent.AcceptTcpClientAsync()); }
            catch (ObjectDisposedException) { } // the listener stopped at the end of the test
            catch (SocketException) { }
        });

        var options = Options("PostgreSql", $"Host=127.0.0.1;Port={port};Username=chatkit;Password=x;Pooling=false", "2");
        await using var connection = new NpgsqlConnection(options.EffectiveConnectionString);
        var clock = Stopwatch.StartNew();
        var open = () => connection.OpenAsync();

        await open.Should().ThrowAsync<NpgsqlException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(6), "the connect timeout is the 2 s budget, not Npgsql's 15 s");
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1.5), "the attempt waited out its timeout on the silent host");
        foreach (var client in accepted) client.Dispose();
    }
}
