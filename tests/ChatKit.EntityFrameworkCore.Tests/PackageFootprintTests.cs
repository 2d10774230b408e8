using System.Text.Json;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// What each package brings into an app (issue 21: a client-only console app was 121 MB of SQL Server, MSAL and Npgsql).
/// Read from this test project's own .deps.json, the runtime's record of the dependency graph restore resolved: every
/// package and project with what it depends on, private assets (Microsoft.EntityFrameworkCore.Design) left out as they
/// are from a package's consumers, and the pins a project writes into its package as direct dependencies left in.
/// Walking each ChatKit project's dependencies there gives what an app referencing only that package gets; the compiled
/// assemblies' references would miss a package that is deployed without being called.
/// </summary>
public sealed class PackageFootprintTests
{
    private static readonly string[] Databases = ["Microsoft.EntityFrameworkCore", "Microsoft.Data.Sqlite", "SQLitePCLRaw", "Microsoft.Data.SqlClient", "Npgsql"];
    private static readonly string[] AzureAndIdentity = ["Azure.", "Microsoft.Identity.", "Microsoft.IdentityModel.", "System.IdentityModel."];
    private static readonly string[] Providers = ["Microsoft.EntityFrameworkCore.Sqlite", "Microsoft.EntityFrameworkCore.SqlServer", "Npgsql",
        "Microsoft.Data.Sqlite", "SQLitePCLRaw", "Microsoft.Data.SqlClient"];

    [Test]
    public void A_client_only_app_gets_no_database_and_no_azure_or_identity_library()
    {
        var client = Closure("ChatKit.Client");

        client.Should().Contain("ChatKit", "the walk must see the client's real dependencies");
        client.Should().NotContain(name => StartsWithAny(name, Databases), "the client speaks HTTP to a server and keeps no data");
        client.Should().NotContain(name => StartsWithAny(name, AzureAndIdentity));
    }

    [Test]
    public void The_store_package_brings_EF_Core_relational_and_no_database_provider()
    {
        var store = Closure("ChatKit.EntityFrameworkCore");

        store.Should().Contain("Microsoft.EntityFrameworkCore.Relational");
        store.Should().NotContain(name => StartsWithAny(name, Providers), "each provider comes with its own package");
        store.Should().NotContain(name => StartsWithAny(name, AzureAndIdentity), "Azure.Identity and MSAL come with SQL Server's driver only");
    }

    [TestCase("ChatKit.EntityFrameworkCore.Sqlite", "Microsoft.EntityFrameworkCore.Sqlite", new[] { "Microsoft.Data.SqlClient", "Npgsql" })]
    [TestCase("ChatKit.EntityFrameworkCore.PostgreSql", "Npgsql.EntityFrameworkCore.PostgreSQL", new[] { "Microsoft.Data.SqlClient", "Microsoft.Data.Sqlite", "SQLitePCLRaw" })]
    [TestCase("ChatKit.EntityFrameworkCore.SqlServer", "Microsoft.Data.SqlClient", new[] { "Npgsql", "Microsoft.Data.Sqlite", "SQLitePCLRaw" })]
    public void Each_provider_package_brings_its_own_driver_and_no_other(string package, string driver, string[] others)
    {
        var provider = Closure(package);

        provider.Should().Contain([driver, "ChatKit.EntityFrameworkCore"]);
        provider.Should().NotContain(name => StartsWithAny(name, others));
        if (package != "ChatKit.EntityFrameworkCore.SqlServer")
            provider.Should().NotContain(name => StartsWithAny(name, AzureAndIdentity), "only SQL Server's driver brings Azure.Identity and MSAL");
    }

    private static bool StartsWithAny(string name, IEnumerable<string> prefixes) =>
        prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>The names of every library <paramref name="root"/> depends on, directly or not, in this project's dependency graph.</summary>
    private static HashSet<string> Closure(string root)
    {
        var file = Path.Combine(AppContext.BaseDirectory, typeof(PackageFootprintTests).Assembly.GetName().Name + ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(file));
        var runtimeTarget = deps.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString()!;
        var libraries = deps.RootElement.GetProperty("targets").GetProperty(runtimeTarget).EnumerateObject()
            .ToDictionary(library => library.Name[..library.Name.IndexOf('/')], library => library.Value, StringComparer.OrdinalIgnoreCase);
        libraries.Keys.Should().Contain(root, $"{file} must list {root}: this project references it");

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var next = new Stack<string>([root]);
        while (next.TryPop(out var name))
        {
            if (!libraries.TryGetValue(name, out var library) || !library.TryGetProperty("dependencies", out var dependencies)) continue;
            foreach (var dependency in dependencies.EnumerateObject())
            {
                if (seen.Add(dependency.Name)) next.Push(dependency.Name);
            }
        }
        return seen;
    }
}
