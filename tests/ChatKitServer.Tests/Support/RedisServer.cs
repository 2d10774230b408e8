using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatKitServer.Tests.Support;

/// <summary>A real redis-server on a loopback port, started for a test and stopped after; the test is skipped when Redis is not installed.</summary>
public sealed class RedisServer : IDisposable
{
    private Process _process;
    private bool _stopped;
    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>Stops the server as a crash would (SIGKILL): it keeps nothing, like a Redis run as a cache without persistence.</summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }

    /// <summary>Starts a new, empty server on the same port after <see cref="Stop"/>.</summary>
    public void StartAgain()
    {
        _process = Launch(Port);
        _stopped = false;
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
        return new RedisServer(Launch(port), port);
    }

    private static Process Launch(int port)
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.First(File.Exists);
        var process = Process.Start(new ProcessStartInfo(binary, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
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
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        process.Kill();
        throw new InvalidOperationException("redis-server did not start on port " + port);
    }

    public void Dispose() => Stop();
}
