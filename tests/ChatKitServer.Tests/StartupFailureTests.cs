using System.Diagnostics;

namespace ChatKitServer.Tests;

/// <summary>A server that cannot start because of a setting says which one, in one line, and exits 1 (the real process).</summary>
public class StartupFailureTests
{
    private static string ServerDll
    {
        get
        {
            var testBin = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); // tests/ChatKitServer.Tests/bin/<Config>/net10.0
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "src", "ChatKitServer", "bin", testBin.Parent!.Name, testBin.Name, "ChatKitServer.dll");
        }
    }

    [TestCase("ChatKit__KeepAliveSeconds=-3", "ChatKit:KeepAliveSeconds")]
    [TestCase("OpenAI__TimeoutSeconds=0", "OpenAI:TimeoutSeconds")]
    [TestCase("Assistant__Provider=Telepathy", "Assistant:Provider")]
    [TestCase("ChatKit__MaxRequestBodyBytes=ten", "ChatKit:MaxRequestBodyBytes")]
    [TestCase("ChatKit__DefaultPageSize=0", "ChatKit:DefaultPageSize")]
    [TestCase("Assistant__Provider=OpenAI;OpenAI__Model=m;OpenAI__Endpoint=localhost:11434/v1", "OpenAI:Endpoint")]
    [TestCase("Auth__Mode=Jwt;Auth__Jwt__Audience=a;Auth__Jwt__Authority=http://login.example.com/", "Auth:Jwt:Authority")]
    [TestCase("Redis__ConnectionString=127.0.0.1:1", "Redis:ConnectionString")]
    [TestCase("Serilog__WriteTo__0__Name=Elasticsearchh", "Serilog:WriteTo:0:Name")]
    [TestCase("Attachments__AllowedMimeTypes__0=", "Attachments:AllowedMimeTypes:0")]
    [TestCase("Attachments__AllowedMimeTypes__0=Image/PNG", "Attachments:AllowedMimeTypes:0")]
    [TestCase("ChatKit__AllowedOrigins__0=https://app.example.com/chat", "ChatKit:AllowedOrigins:0")]
    [TestCase("Database__StartupWaitSeconds=-1", "Database:StartupWaitSeconds")]
    [TestCase("Database__MaxRetryTimeSeconds=0", "Database:MaxRetryTimeSeconds")]
    public async Task A_wrong_setting_stops_the_server_with_one_line_naming_the_key(string settings, string key)
    {
        var folder = Directory.CreateTempSubdirectory("chatkit-startup-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [ServerDll, "--urls", "http://127.0.0.1:0"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder,
            };
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment["ConnectionStrings__ChatKit"] = $"Data Source={Path.Combine(folder, "chatkit.db")}";
            foreach (var setting in settings.Split(';'))
            {
                var (variable, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
                start.Environment[variable] = value;
            }
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);

            process.ExitCode.Should().Be(1, await stdout + await stderr);
            var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Should().ContainSingle(l => l.StartsWith("Configuration error: ") && l.Contains(key), "one line names the key as it is written in configuration");
            (await stderr).Should().NotContain("   at ", "no stack trace");
            (await stderr).Should().NotContain("Options' members", "the key, not the class member");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
