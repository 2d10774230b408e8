using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

/// <summary>The server measured: started here from its DLL (fresh SQLite file, Development auth, per-user limits off so every request reaches the body reader), or one already running.</summary>
sealed class ServerUnderTest : IDisposable
{
    private readonly Process? _process;
    private readonly string? _folder;

    public int Port { get; }
    public int Pid { get; }

    private ServerUnderTest(int port, int pid, Process? process, string? folder)
    {
        Port = port;
        Pid = pid;
        _process = process;
        _folder = folder;
    }

    public static ServerUnderTest Running(Uri url, int pid) => new(url.Port, pid, null, null);

    public static async Task<ServerUnderTest> StartAsync(string dll, double deadlineSeconds)
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-hostile-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__ChatKit"] = $"Data Source={Path.Combine(folder, "chatkit.db")}",
            ["Attachments__Path"] = Path.Combine(folder, "attachments"),
            ["RateLimiting__Enabled"] = "false",
            ["Deadlines__RequestSeconds"] = deadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Serilog__MinimumLevel__Default"] = "Error",
        }) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("server: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerUnderTest(port, process.Id, process, folder);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        for (var i = 0; i < 150; i++)
        {
            if (process.HasExited) throw new InvalidOperationException("The server exited at start: " + process.ExitCode);
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        server.Dispose();
        throw new InvalidOperationException("The server did not answer /health.");
    }

    /// <summary>Resident memory of the server process, in MiB (VmRSS).</summary>
    public double RssMiB()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line.Split(':')[1].Trim().Split(' ')[0]) / 1024.0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        if (_folder is not null)
        {
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { /* left for the OS */ }
        }
    }
}
