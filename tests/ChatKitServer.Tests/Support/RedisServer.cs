using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatKitServer.Tests.Support;

/// <summary>A real redis-server on a loopback port, started for a test and stopped after; the test is skipped when Redis is not installed.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static RedisServer Start()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
            Assert.Ignore("Redis test skipped: redis-server is not installed (apt-get install redis-server).");
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var process = Process.Start(new ProcessStartInfo(binary!, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return new RedisServer(process, port);
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        process.Kill();
        throw new InvalidOperationException("redis-server did not start on port " + port);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
