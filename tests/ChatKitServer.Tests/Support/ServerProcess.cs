using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatKitServer.Tests.Support;

/// <summary>The real server as a process of its own (the built ChatKitServer.dll) on a free loopback port, with settings from environment variables.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Queue<string> _output = new();
    private int _disposed;

    private ServerProcess(Process process, HttpClient http)
    {
        Process = process;
        Http = http;
    }

    public Process Process { get; }
    public HttpClient Http { get; }

    /// <summary>How long a start may take before the test fails.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Starts the server and waits until <c>/health</c> answers.</summary>
    public static Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment) => StartAsync(environment, FreePort(), home: null);

    /// <summary>
    /// Starts the server on <paramref name="port"/> (e.g. again after a restart) and waits until <c>/health</c>
    /// answers. With <paramref name="home"/>, the process runs in that folder with it as its <c>HOME</c>, as a
    /// host of its own would (nothing a user profile holds is shared with another process).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, int port, string? home)
    {
        var server = Launch(environment, port, home);
        await server.WaitHealthyAsync();
        return server;
    }

    /// <summary>Starts the server on <paramref name="port"/> and returns at once, before it answers (<see cref="WaitHealthyAsync"/>; see <see cref="StartAsync(IReadOnlyDictionary{string, string}, int, string?)"/>).</summary>
    public static ServerProcess Launch(IReadOnlyDictionary<string, string> environment, int port, string? home = null)
    {
        var start = new ProcessStartInfo("dotnet", [ServerDll, "--urls", $"http://127.0.0.1:{port}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (home is not null)
        {
            Directory.CreateDirectory(home);
            start.WorkingDirectory = home;
            start.Environment["HOME"] = home;
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        foreach (var (k, v) in environment) start.Environment[k] = v;
        var server = new ServerProcess(Process.Start(start)!, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
        // Read the output as it comes (a chatty server never blocks on a full pipe); the last lines explain a failed start.
        server.Process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        server.Process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        server.Process.BeginOutputReadLine();
        server.Process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until <c>/health</c> answers; fails the test, with the process's last output, when it does not in time or the process ends.</summary>
    public async Task WaitHealthyAsync()
    {
        // A start takes 3–5 s here; CI runs the test assemblies side by side on two cores, where starting three instances at
        // once once took longer than the 30 s this waited before.
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout)
        {
            try
            {
                if ((await Http.GetAsync("/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (Process.HasExited) break;
            await Task.Delay(200);
        }
        Dispose();
        Assert.Fail($"The server process did not become healthy in {waited.Elapsed.TotalSeconds:0} s. Its last output:\n" + Output);
    }

    /// <summary>Whether the process wrote a line containing <paramref name="text"/> within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (waited.Elapsed > timeout || Process.HasExited) return Output.Contains(text, StringComparison.Ordinal);
            await Task.Delay(100);
        }
        return true;
    }

    /// <summary>The last lines the process wrote.</summary>
    public string Output
    {
        get
        {
            lock (_output) return string.Join('\n', _output);
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 50) _output.Dequeue();
        }
    }

    /// <summary>Sends a signal with kill(1) (Linux): TERM to stop gracefully, KILL to crash it.</summary>
    public void Signal(string signal) => Process.Start("kill", [$"-{signal}", Process.Id.ToString()])!.WaitForExit();

    /// <summary>Whether the process ended within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.WaitForExit(10_000);
        Process.Dispose();
        Http.Dispose();
    }

    private static string ServerDll
    {
        get
        {
            var testBin = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); // tests/ChatKitServer.Tests/bin/<Config>/net10.0
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(root, "src", "ChatKitServer", "bin", testBin.Parent!.Name, testBin.Name, "ChatKitServer.dll");
            if (!File.Exists(dll)) Assert.Fail("The server was not built: " + dll);
            return dll;
        }
    }

    /// <summary>A loopback port free at the moment of asking.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
