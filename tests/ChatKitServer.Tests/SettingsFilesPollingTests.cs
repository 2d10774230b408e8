using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChatKitServer.Hosting;

namespace ChatKitServer.Tests;

/// <summary>
/// The real server process polls its settings files instead of watching its content root (and every folder under it)
/// with inotify, which woke on every write of a SQLite file kept there (bench/README.md).
/// </summary>
public class SettingsFilesPollingTests
{
    [Test]
    public async Task The_server_watches_no_folder_of_its_content_root()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Counts inotify watches in /proc, which only Linux has.");
        var testBin = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); // tests/ChatKitServer.Tests/bin/<Config>/net10.0
        var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "src", "ChatKitServer", "bin", testBin.Parent!.Name, testBin.Name, "ChatKitServer.dll");
        var folder = Directory.CreateTempSubdirectory("chatkit-watch-").FullName;
        for (var i = 0; i < 40; i++) Directory.CreateDirectory(Path.Combine(folder, "data", $"d{i}"));
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__ChatKit"] = "Data Source=chatkit.db"; // in the content root, as by default
        start.Environment.Remove(SettingsFilesPolling.Variable);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if ((await http.GetAsync("/health/live")).StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
                {
                }
                if (process.HasExited) Assert.Fail("The server stopped: " + await output + await errors);
                await Task.Delay(200);
            }

            // Each folder an inotify instance watches is one "inotify wd:" line of its file descriptor's fdinfo.
            var watches = Directory.GetFiles($"/proc/{process.Id}/fdinfo")
                .Sum(fd => { try { return File.ReadLines(fd).Count(l => l.StartsWith("inotify wd:")); } catch (IOException) { return 0; } });
            watches.Should().BeLessThan(40, "a watcher of the content root would watch its 40+ folders; the settings files are polled");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
