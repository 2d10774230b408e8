using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace ChatKitServer.Tests.Support
{
    /// <summary>
    /// A real Azurite blob service (the Azure Storage emulator, npm package <c>azurite</c>) on a loopback port,
    /// its data in a temporary folder deleted when it stops. <c>azurite-blob</c> is looked for under the
    /// repository's <c>tools/azurite/node_modules/.bin</c> (where <c>.ci/run</c> installs it), then on the PATH; the test
    /// is skipped with the reason when it is in neither. <see cref="SharedAsync"/> serves the whole test run.
    /// </summary>
    public sealed class AzuriteServer : IDisposable
    {
        /// <summary>Azurite's well-known development account (documented, not a secret).</summary>
        public const string AccountName = "devstoreaccount1";
        public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        private static readonly SemaphoreSlim SharedLock = new(1, 1);
        private static AzuriteServer? _shared;

        private readonly Process _process;
        private readonly string _folder;

        public int Port { get; }

        /// <summary>The connection string of the development account on this server.</summary>
        public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/{AccountName};";

        private AzuriteServer(Process process, string folder, int port)
        {
            _process = process;
            _folder = folder;
            Port = port;
        }

        /// <summary>The test run's Azurite, started on first use (stopped by <see cref="AzuriteServerShutdown"/>).</summary>
        public static async Task<AzuriteServer> SharedAsync()
        {
            await SharedLock.WaitAsync();
            try
            {
                if (_shared is null)
                {
                    _shared = await StartAsync();
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => StopShared();
                }
                return _shared;
            }
            finally
            {
                SharedLock.Release();
            }
        }

        internal static void StopShared()
        {
            _shared?.Dispose();
            _shared = null;
        }

        /// <summary>A new container name (each test server gets its own).</summary>
        public static string NewContainerName() => "t" + Guid.NewGuid().ToString("n");

        public BlobContainerClient Container(string name) => new(ConnectionString, name);

        /// <summary>Starts an Azurite of its own (for a test that stops it); skipped when Azurite is not installed.</summary>
        public static async Task<AzuriteServer> StartAsync()
        {
            var binary = Binary() ?? Skip();
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var folder = Path.Combine(Path.GetTempPath(), "chatkit-azurite-" + Guid.NewGuid().ToString("n")[..12]);
                Directory.CreateDirectory(folder);
                var process = Process.Start(new ProcessStartInfo(binary,
                    ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(), "--location", folder, "--skipApiVersionCheck", "--loose", "--silent"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
                var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
                process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
                process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                var server = new AzuriteServer(process, folder, port);
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    if (await AnswersAsync(port)) return server;
                    await Task.Delay(100);
                }
                server.Dispose();
                if (attempt == 3)
                    throw new InvalidOperationException($"Azurite ({binary}) did not start on port {port}: {string.Join('\n', output)}");
            }
        }

        /// <summary>Where azurite-blob is installed, or null.</summary>
        public static string? Binary()
        {
            var tools = Path.Combine(RepositoryRoot(), "tools", "azurite", "node_modules", ".bin", "azurite-blob");
            if (File.Exists(tools)) return tools;
            return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, "azurite-blob")).FirstOrDefault(File.Exists);
        }

        private static string Skip()
        {
            Assert.Ignore("Azurite test skipped: azurite-blob is neither under tools/azurite/node_modules/.bin nor on the PATH " +
                "(npm ci --prefix tools/azurite, as .ci/run does).");
            return null!;
        }

        private static string RepositoryRoot()
        {
            var testBin = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); // tests/ChatKitServer.Tests/bin/<Config>/net10.0
            return testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        }

        private static async Task<bool> AnswersAsync(int port)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
            _process.Dispose();
            if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>Stops the test run's Azurite (if one was started) after the last test.</summary>
[SetUpFixture]
public sealed class AzuriteServerShutdown
{
    [OneTimeTearDown]
    public void StopServer() => ChatKitServer.Tests.Support.AzuriteServer.StopShared();
}
