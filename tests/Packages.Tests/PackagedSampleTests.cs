using System.Reflection;
using System.Text.Json.Nodes;
using FluentAssertions;
using NUnit.Framework;

namespace Packages.Tests;

/// <summary>
/// The packages as a user meets them: every package is packed under a version of this run's own (so no copy in the
/// NuGet cache stands in for it), then the sample app's test project (samples/EmbeddedChatKit.Tests), which
/// references only packages, restores them from that folder and runs: the test kit hosts an app of the user's own
/// with the scripted model.
/// </summary>
[NonParallelizable]
public class PackagedSampleTests
{
    private static readonly string Root = Dotnet.Root;
    private static readonly string Configuration =
        typeof(PackagedSampleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    private string _work = null!;
    private string _version = null!;

    [OneTimeSetUp]
    public async Task PackAsync()
    {
        _work = Path.Combine(Path.GetTempPath(), "chatkit-packages-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(_work);
        _version = $"0.1.0-local.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1000, 9999)}";
        // The solution is built (dotnet test builds it first): pack what was built, in the configuration these tests run in.
        var pack = await Dotnet.RunAsync(Root, "pack", "ChatKitServer.sln", "-c", Configuration, "--no-build", "-o", Packages, $"-p:Version={_version}");
        pack.ExitCode.Should().Be(0, pack.Output);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private string Packages => Path.Combine(_work, "packages");

    [Test]
    public void Every_library_is_packed()
    {
        Directory.GetFiles(Packages, "*.nupkg").Select(Path.GetFileName).Should().Contain(
            new[] { "ChatKit", "ChatKit.AspNetCore", "ChatKit.Client", "ChatKit.Scripted", "ChatKit.Testing", "ChatKit.EntityFrameworkCore",
                "ChatKit.EntityFrameworkCore.Sqlite", "ChatKit.EntityFrameworkCore.SqlServer", "ChatKit.EntityFrameworkCore.PostgreSql" }.Select(id => $"{id}.{_version}.nupkg"),
            "each library ships as a package");
    }

    [Test]
    public void Each_package_has_its_own_readme_and_says_where_its_source_is()
    {
        foreach (var package in Directory.GetFiles(Packages, "*.nupkg"))
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(package);
            var id = Path.GetFileName(package)[..^$".{_version}.nupkg".Length];
            using (var readme = new StreamReader(zip.GetEntry("README.md")!.Open()))
                readme.ReadLine().Should().Be("# " + id, $"{id} carries its own README, not the repository's");
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var text = nuspec.ReadToEnd();
            text.Should().Contain("<readme>README.md</readme>").And.MatchRegex("<repository type=\"git\" url=\"https://[^\"]+\"", id);
            if (id == "ChatKit.Testing")
                text.Should().Contain("id=\"FluentAssertions\" version=\"[6.12.0, 8.0.0)\"", "the supported FluentAssertions range is stated");
        }
    }

    [TestCase("6.12.0")]
    [TestCase("7.2.2")]
    public async Task The_sample_apps_tests_run_on_the_packages_alone(string fluentAssertions)
    {
        var sample = Path.Combine(Root, "samples", "EmbeddedChatKit.Tests");
        var run = await Dotnet.RunAsync(sample, "test", "-c", "Release", $"-p:ChatKitVersion={_version}", $"-p:ChatKitPackages={Packages}",
            $"-p:FluentAssertionsVersion={fluentAssertions}");

        run.ExitCode.Should().Be(0, run.Output);
        run.Output.Should().MatchRegex(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+[1-9]", "the sample's tests ran and passed");

        var assets = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(sample, "obj", "project.assets.json")))!["libraries"]!.AsObject();
        var chatKit = assets.Where(l => l.Key.StartsWith("ChatKit", StringComparison.Ordinal)).ToDictionary(l => l.Key, l => (string)l.Value!["type"]!);
        chatKit.Should().ContainKeys($"ChatKit.Testing/{_version}", $"ChatKit.AspNetCore/{_version}", $"ChatKit.Scripted/{_version}")
            .And.Subject.Values.Should().OnlyContain(type => type == "package", "the sample consumes packages, never the repository's projects");
        assets.Select(l => l.Key).Should().NotContain(name => name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal),
            "the test kit does not bring EF Core to an app that does not use it");
    }
}
