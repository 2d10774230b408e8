using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text;
using FluentAssertions;
using NUnit.Framework;

namespace Packages.Tests;

/// <summary>
/// The server as an operator deploys it: <c>dotnet publish -r &lt;platform&gt;</c> (README, Deploying) gives a folder whose
/// assemblies are precompiled (ReadyToRun: a faster start, bench/startup.sh), which runs from anywhere with its
/// settings, its web assets and its translations. Published from a copy of the sources, so the repository's own build
/// outputs are not touched while the other test projects run.
/// </summary>
[NonParallelizable]
public class PublishedServerTests
{
    private string _work = null!;

    [SetUp]
    public void SetUp()
    {
        _work = Path.Combine(Path.GetTempPath(), "chatkit-publish-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(_work);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    [Test]
    public async Task A_server_published_for_a_platform_is_precompiled_and_serves_from_its_own_folder()
    {
        var sources = Path.Combine(_work, "sources");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "appsettings.json" })
            File.Copy(Path.Combine(Dotnet.Root, file), Path.Combine(sources, file).AlsoCreatingFolder());
        foreach (var folder in new[] { "src", "locales" })
            CopySources(Path.Combine(Dotnet.Root, folder), Path.Combine(sources, folder));
        var published = Path.Combine(_work, "published");

        var publish = await Dotnet.RunAsync(Path.Combine(sources, "src", "ChatKitServer"),
            "publish", "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "-o", published);

        publish.ExitCode.Should().Be(0, publish.Output);
        foreach (var assembly in new[] { "ChatKitServer.dll", "ChatKit.dll", "ChatKit.EntityFrameworkCore.dll", "Microsoft.EntityFrameworkCore.dll" })
            IsReadyToRun(Path.Combine(published, assembly)).Should().BeTrue($"{assembly} is precompiled for {RuntimeInformation.RuntimeIdentifier}");
        File.Exists(Path.Combine(published, "wwwroot", "index.html")).Should().BeTrue("the demo page is published");

        // Started as a service would be: from another folder, with its database there.
        var data = Path.Combine(_work, "data");
        Directory.CreateDirectory(data);
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(published, "ChatKitServer.dll"), "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__ChatKit"] = $"Data Source={Path.Combine(data, "chatkit.db")}";
        using var server = Process.Start(start)!;
        var log = new StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await ReadyAsync(http, server, log);

            using var turn = await http.PostAsync("/chatkit", new StringContent(
                """{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"help"}],"attachments":[],"inference_options":{}}}}""",
                Encoding.UTF8, "application/json"));
            turn.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
            var stream = await turn.Content.ReadAsStringAsync();
            stream.Should().Contain("\"type\":\"thread.created\"").And.Contain("\"type\":\"assistant_message\"", "the offline responder answered");

            using var demo = await http.GetAsync("/");
            demo.StatusCode.Should().Be(HttpStatusCode.OK, "the demo page is served from the published wwwroot");
            using var style = await http.GetAsync("/assets/admin.css");
            style.StatusCode.Should().Be(HttpStatusCode.OK, "the admin pages' style too");
            File.Exists(Path.Combine(data, "chatkit.db")).Should().BeTrue("the database is where the settings put it");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>Whether the image at <paramref name="path"/> holds precompiled code (a ReadyToRun header), not IL alone.</summary>
    private static bool IsReadyToRun(string path)
    {
        using var image = new PEReader(File.OpenRead(path));
        return image.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    private static async Task ReadyAsync(HttpClient http, Process server, StringBuilder log)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            server.HasExited.Should().BeFalse($"the published server exits only when stopped; its log:\n{log}");
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        Assert.Fail($"The published server was not ready within 60 s; its log:\n{log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Copies a folder of sources, without build outputs.</summary>
    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
            CopySources(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}

internal static class PathExtensions
{
    /// <summary>The path, after creating its folder.</summary>
    public static string AlsoCreatingFolder(this string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
