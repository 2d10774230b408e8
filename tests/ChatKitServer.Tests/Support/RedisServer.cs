using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatKitServer.Tests.Support;

/// <summary>A real redis-server on a loopback port, started for a test and stopped after; the test is skipped when Redis is not installed.</summary>
public sealed class RedisServer : IDisposable
{
    private Process _process;
    private bool _stopped;
    private readonly string _folder;
    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    private RedisServer(Process process, int port, string folder)
    {
        _process = process;
        Port = port;
        _folder = folder;
    }

    /// <summary>Stops the server as a crash would (SIGKILL): it keeps nothing, like a Redis run as a cache without persistence.</summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
        File.Delete(Path.Combine(_folder, "dump.rdb"));
    }

    /// <summary>Stops the server after it saved its data (<c>SHUTDOWN SAVE</c>, as a Redis with persistence stops): <see cref="StartAgain"/> then loads it.</summary>
    public void StopKeepingData()
    {
        if (_stopped) return;
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, Port);
            client.GetStream().Write("SHUTDOWN SAVE\r\n"u8);
        }
        if (!_process.WaitForExit(10_000)) throw new InvalidOperationException("redis-server did not shut down");
        _stopped = true;
        _process.Dispose();
        File.Exists(Path.Combine(_folder, "dump.rdb")).Should().BeTrue("SHUTDOWN SAVE writes the data for the next start");
    }

    /// <summary>
    /// Starts a server on the same port after <see cref="Stop"/> (empty) or <see cref="StopKeepingData"/> (with the data saved);
    /// <paramref name="refusingPatternSubscriptions"/>: its default user may not PSUBSCRIBE (until <c>ACL SETUSER default +psubscribe</c>),
    /// so a test can publish while no one listens yet.
    /// </summary>
    public void StartAgain(bool refusingPatternSubscriptions = false)
    {
        _process = Launch(Port, _folder, refusingPatternSubscriptions ? ["--user", "default", "on", "nopass", "~*", "&*", "+@all", "-psubscribe"] : []);
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
        var folder = Directory.CreateTempSubdirectory("chatkit-redis-").FullName;
        return new RedisServer(Launch(port, folder), port, folder);
    }

    // No automatic saves: only StopKeepingData writes the dump (in the server's own folder), which StartAgain loads.
    private static Process Launch(int port, string folder, string[]? more = null)
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.First(File.Exists);
        var process = Process.Start(new ProcessStartInfo(binary, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", folder, "--dbfilename", "dump.rdb", .. more ?? []])
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

    public void Dispose()
    {
        Stop();
        Directory.Delete(_folder, recursive: true);
    }
}
