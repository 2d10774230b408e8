using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatKitServer.Tests.Support;

/// <summary>Where the test MCP server (tests/McpTestServer, built with the solution) lives, and its HTTP mode as a process.</summary>
public sealed class McpTestServerProcess : IDisposable
{
    private readonly Process _process;
    public Uri Url { get; }

    private McpTestServerProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>tests/McpTestServer/bin/{Configuration}/net10.0/McpTestServer.dll, next to this test project's output.</summary>
    public static string Dll
    {
        get
        {
            var testBin = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); // tests/ChatKitServer.Tests/bin/<Config>/net10.0
            var configuration = testBin.Parent!.Name;
            var tests = testBin.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(tests, "McpTestServer", "bin", configuration, testBin.Name, "McpTestServer.dll");
            if (!File.Exists(dll)) Assert.Fail("The test MCP server was not built: " + dll);
            return dll;
        }
    }

    public static McpTestServerProcess StartHttp()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var process = Process.Start(new ProcessStartInfo("dotnet", [Dll, "--http", $"http://127.0.0.1:{port}"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return new McpTestServerProcess(process, new Uri($"http://127.0.0.1:{port}/mcp"));
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        process.Kill();
        throw new InvalidOperationException("The test MCP server did not start over HTTP.");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
