namespace ChatKitServer.Hosting;

/// <summary>
/// Has the host poll its settings files for changes (every 4 s) instead of watching its content root. ASP.NET Core
/// watches the content root and every folder under it (inotify) to reload <c>appsettings*.json</c>, so with the SQLite
/// file there (the default <c>Data Source=chatkit.db</c> run from the app's folder, or <c>dotnet run</c> from the project
/// folder) every write to the database and its WAL woke the watcher: 3.5% of the server's CPU under the events
/// benchmark, none when polling (bench/README.md, "the settings watcher and the database file"). Polling looks at the
/// settings files alone; a change is still picked up, within 4 s. An operator's own <c>DOTNET_USE_POLLING_FILE_WATCHER</c> wins.
/// </summary>
public static class SettingsFilesPolling
{
    /// <summary>The variable the file providers read when they are created; set before the host is built.</summary>
    public const string Variable = "DOTNET_USE_POLLING_FILE_WATCHER";

    /// <summary>Turns polling on for the file providers created from now on, unless the environment says otherwise.</summary>
    public static void Enable()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
            Environment.SetEnvironmentVariable(Variable, "true");
    }
}
