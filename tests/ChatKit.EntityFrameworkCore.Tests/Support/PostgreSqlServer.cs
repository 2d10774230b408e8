using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ChatKit.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace ChatKit.Tests.Support
{
    /// <summary>
    /// A real PostgreSQL server for the tests (shared by the store and server test projects): Debian's
    /// <c>initdb</c> into a temporary folder, <c>pg_ctl start</c> on a free loopback port with its unix
    /// sockets in that folder, one throwaway database per caller, and everything stopped and deleted when
    /// the test run ends (<see cref="PostgreSqlServerShutdown"/>). One server serves the whole test run.
    /// PostgreSQL refuses to run as root: under root the folder is given to the <c>postgres</c> system
    /// user and the server runs as that user (<c>runuser -u postgres --</c>). Tests are skipped, with the
    /// reason, when PostgreSQL is not installed (<c>apt-get install postgresql</c>).
    /// </summary>
    public sealed class PostgreSqlServer
    {
        private const string Superuser = "chatkit";
        private static readonly SemaphoreSlim StartLock = new(1, 1);
        private static PostgreSqlServer? _shared;
        private static string? _unavailable;

        private readonly string _bin;
        private readonly string _folder;
        private readonly bool _asPostgresUser;

        /// <summary>The loopback port the server listens on.</summary>
        public int Port { get; }

        private string DataFolder => Path.Combine(_folder, "data");

        private PostgreSqlServer(string bin, string folder, bool asPostgresUser, int port)
        {
            _bin = bin;
            _folder = folder;
            _asPostgresUser = asPostgresUser;
            Port = port;
        }

        /// <summary>The server of this test run, started on first use; the calling test is ignored when PostgreSQL cannot run here.</summary>
        public static async Task<PostgreSqlServer> SharedAsync()
        {
            await StartLock.WaitAsync();
            try
            {
                if (_unavailable is null && _shared is null)
                {
                    _unavailable = WhyUnavailable(out var bin, out var asPostgresUser);
                    if (_unavailable is null)
                        _shared = await StartAsync(bin!, asPostgresUser);
                }
            }
            finally
            {
                StartLock.Release();
            }
            if (_unavailable is not null)
                Assert.Ignore("PostgreSQL test skipped: " + _unavailable);
            return _shared!;
        }

        /// <summary>
        /// A server of the caller's own on <paramref name="port"/> (e.g. one a test server already waits for), not the run's
        /// shared one: the caller stops it (<see cref="Stop"/>). The calling test is ignored when PostgreSQL cannot run here.
        /// </summary>
        public static async Task<PostgreSqlServer> StartOwnAsync(int port)
        {
            var unavailable = WhyUnavailable(out var bin, out var asPostgresUser);
            if (unavailable is not null)
                Assert.Ignore("PostgreSQL test skipped: " + unavailable);
            return await StartAsync(bin!, asPostgresUser, port);
        }

        /// <summary>Ignores the calling test, with the reason, when PostgreSQL cannot run here.</summary>
        public static void IgnoreUnlessInstalled()
        {
            if (WhyUnavailable(out _, out _) is { } unavailable)
                Assert.Ignore("PostgreSQL test skipped: " + unavailable);
        }

        /// <summary>A new, empty database; returns its connection string.</summary>
        public async Task<string> CreateDatabaseAsync()
        {
            var name = "chatkit_" + Guid.NewGuid().ToString("n");
            await ExecuteAsync($"CREATE DATABASE \"{name}\"");
            return ConnectionString(name);
        }

        /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing any connection still open on it.</summary>
        public async Task DropDatabaseAsync(string connectionString)
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP DATABASE IF EXISTS \"{DatabaseName(connectionString)}\" WITH (FORCE)");
        }

        /// <summary>The database a connection string names.</summary>
        public static string DatabaseName(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

        /// <summary>Runs SQL as the superuser in the <c>postgres</c> database.</summary>
        public async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>A connection string to <paramref name="database"/> on this server (TCP on loopback, trusted superuser).</summary>
        public string ConnectionString(string database) =>
            new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = Superuser, Database = database, Timeout = 10 }.ConnectionString;

        private static string? WhyUnavailable(out string? bin, out bool asPostgresUser)
        {
            asPostgresUser = false;
            bin = Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .Select(d => Path.Combine(d, "bin"))
                    .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                    .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                    .FirstOrDefault()
                : null;
            if (bin is null)
                return "PostgreSQL is not installed (no initdb and pg_ctl under /usr/lib/postgresql/*/bin; apt-get install postgresql).";
            if (geteuid() != 0) return null;
            asPostgresUser = true;
            if (!File.Exists("/usr/sbin/runuser") && !File.Exists("/usr/bin/runuser"))
                return "the tests run as root, which PostgreSQL refuses, and runuser (util-linux) is missing to run it as the postgres user.";
            if (Run("id", ["-u", "postgres"], throwOnError: false).ExitCode != 0)
                return "the tests run as root, which PostgreSQL refuses, and there is no postgres system user to run it as.";
            return null;
        }

        private static async Task<PostgreSqlServer> StartAsync(string bin, bool asPostgresUser, int? port = null)
        {
            var folder = Path.Combine(Path.GetTempPath(), "chatkit-pg-" + Guid.NewGuid().ToString("n")[..12]);
            Directory.CreateDirectory(folder);
            if (asPostgresUser)
                Run("chown", ["postgres:postgres", folder]);
            for (var attempt = 1; ; attempt++)
            {
                var server = new PostgreSqlServer(bin, folder, asPostgresUser, port ?? FreePort());
                try
                {
                    if (attempt == 1)
                    {
                        // ICU en-US: a linguistic collation, yet deterministic (the tests check that user ids still compare exactly).
                        server.Tool("initdb", ["-D", server.DataFolder, "-U", Superuser, "--auth=trust", "-E", "UTF8",
                            "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US", "--no-sync"]);
                    }
                    server.Tool("pg_ctl", ["-D", server.DataFolder, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start", "-o",
                        $"-p {server.Port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"]);
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
                    await server.WaitUntilAnsweringAsync();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && port is null)
                {
                    // Most likely the port was taken between the probe and the start: try another.
                    TestContext.Progress.WriteLine($"PostgreSQL did not start on port {server.Port} (attempt {attempt}): {server.Log()}");
                }
            }
        }

        private async Task WaitUntilAnsweringAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                    await connection.OpenAsync();
                    return;
                }
                catch (NpgsqlException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }

        /// <summary>Stops the server and deletes its folder.</summary>
        public void Stop()
        {
            if (!Directory.Exists(_folder)) return;
            NpgsqlConnection.ClearAllPools();
            if (File.Exists(Path.Combine(DataFolder, "postmaster.pid")))
                Tool("pg_ctl", ["-D", DataFolder, "-m", "immediate", "-w", "stop"], throwOnError: false);
            Directory.Delete(_folder, recursive: true);
        }

        internal static void StopShared()
        {
            _shared?.Stop();
            _shared = null;
        }

        private string Log()
        {
            var log = Path.Combine(_folder, "server.log");
            return File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
        }

        private (int ExitCode, string Output) Tool(string name, string[] arguments, bool throwOnError = true)
        {
            var path = Path.Combine(_bin, name);
            return _asPostgresUser
                ? Run("runuser", ["-u", "postgres", "--", path, .. arguments], throwOnError)
                : Run(path, arguments, throwOnError);
        }

        private static (int ExitCode, string Output) Run(string file, string[] arguments, bool throwOnError = true)
        {
            var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(90_000))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} did not finish in 90 s.");
            }
            var output = stdout.Result + stderr.Result;
            if (throwOnError && process.ExitCode != 0)
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
            return (process.ExitCode, output);
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        [DllImport("libc")]
        private static extern uint geteuid();
    }
}

/// <summary>Stops the test run's PostgreSQL server (if one was started) and deletes its folder after the last test.</summary>
[SetUpFixture]
public sealed class PostgreSqlServerShutdown
{
    /// <summary>After every test of the assembly.</summary>
    [OneTimeTearDown]
    public void StopServer() => PostgreSqlServer.StopShared();
}
