namespace ChatKitServer.Tests.Support;

/// <summary>
/// A script for the server's own <c>Assistant:Provider=Scripted</c> model, written to a temporary file
/// (deleted on dispose): answers, widgets, server and client tool calls through the real responder.
/// </summary>
public sealed class ChatScriptFile : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chatkit-tests", $"script-{Guid.NewGuid():n}.json");

    public ChatScriptFile(string json)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        File.WriteAllText(Path, json);
    }

    /// <summary>Settings that run the server on this script, with <paramref name="clientTools"/> declared as client tools.</summary>
    public Dictionary<string, string?> Settings(params string[] clientTools)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Assistant:Provider"] = "Scripted",
            ["Assistant:ScriptPath"] = Path,
            ["Assistant:AutoTitles"] = "false",
        };
        for (var i = 0; i < clientTools.Length; i++)
        {
            settings[$"Assistant:ClientTools:{i}:Name"] = clientTools[i];
            settings[$"Assistant:ClientTools:{i}:Description"] = "A tool the browser runs";
        }
        return settings;
    }

    public void Dispose() => File.Delete(Path);
}
