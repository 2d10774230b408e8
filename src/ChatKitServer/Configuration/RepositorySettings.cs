using Microsoft.Extensions.Configuration.Json;

namespace ChatKitServer.Configuration;

public static class RepositorySettings
{
    /// <summary>
    /// The settings file lives at the repository root and is copied next to the binaries, while
    /// <c>dotnet run</c> uses the project folder as content root. Load that copy where the host
    /// loads appsettings.json, so environment-specific files, environment variables and the
    /// command line still override it.
    /// </summary>
    public static ConfigurationManager AddRepositorySettings(this ConfigurationManager configuration)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (!File.Exists(path)) return configuration;
        var source = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Sources[0];
        var sources = ((IConfigurationBuilder)configuration).Sources;
        var index = sources.ToList().FindIndex(s => s is JsonConfigurationSource { Path: "appsettings.json" });
        sources.Insert(index < 0 ? 0 : index + 1, source);
        return configuration;
    }
}
