using ChatKit.EntityFrameworkCore;
using ChatKitServer.Attachments;

namespace ChatKitServer.Hosting;

/// <summary>
/// On a server database (PostgreSQL, SQL Server), which several instances can share, one warning at start naming what this
/// configuration keeps per instance. Several instances started without the shared settings the README lists split their
/// state silently (rate limits counted per instance, widgets published on one instance never reaching another's
/// subscribers, attachment bytes on the instance that received them, two turns at once in one thread with an in-process
/// turn lock): found by a multi-instance audit, 2026-12. A single instance on such a database can ignore it.
/// </summary>
public static class PerInstanceStateWarning
{
    /// <summary>What the configuration keeps per instance on a server database; empty on SQLite or when everything is shared.</summary>
    public static IReadOnlyList<string> PerInstanceState(IConfiguration configuration)
    {
        var database = DatabaseOptions.From(configuration);
        if (database.Provider == DatabaseProvider.Sqlite) return [];
        var kept = new List<string>();
        if (database.TurnLock == ChatKitTurnLockMode.InProcess)
            kept.Add("Database:TurnLock=InProcess: two instances can answer in one thread at the same time");
        if (string.IsNullOrWhiteSpace(configuration["Redis:ConnectionString"]))
            kept.Add("no Redis:ConnectionString: rate limits count per instance, and a widget published on one instance reaches only its own subscribers");
        var path = configuration["Attachments:Path"];
        if (configuration.GetValue("Attachments:Storage", AttachmentStorageKind.Local) == AttachmentStorageKind.Local && !string.IsNullOrWhiteSpace(path) && !Path.IsPathRooted(path))
            kept.Add($"Attachments:Path '{path}' is relative to each instance: attachment bytes stay on the instance that received them unless it is a shared folder");
        return kept;
    }

    /// <summary>Logs the warning when <see cref="PerInstanceState"/> names anything.</summary>
    public static void LogPerInstanceState(this WebApplication app)
    {
        var kept = PerInstanceState(app.Configuration);
        if (kept.Count == 0) return;
        app.Logger.LogWarning("Database:Provider is {Provider}, which several instances can share. If several share it, this configuration keeps state per instance: {PerInstance}. See README, \"Running several instances\"",
            DatabaseOptions.From(app.Configuration).Provider, string.Join("; ", kept));
    }
}
