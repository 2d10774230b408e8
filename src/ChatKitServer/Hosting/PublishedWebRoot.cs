namespace ChatKitServer.Hosting;

/// <summary>
/// Where a published server finds its web assets (<c>wwwroot</c>: the demo page, the admin pages' script and style). The
/// content root is the working directory, and <c>dotnet publish</c> puts <c>wwwroot</c> next to the binaries, so a server
/// started from another folder (a service's data folder, <c>dotnet /opt/chatkit/ChatKitServer.dll</c>) served none of them.
/// When the working directory has no <c>wwwroot</c> and the binaries' folder has one, that one is the web root. A content
/// root or web root set by the operator (<c>--contentRoot</c>, <c>--webroot</c>, <c>ASPNETCORE_CONTENTROOT</c>,
/// <c>ASPNETCORE_WEBROOT</c>) is left alone, and so are <c>dotnet run</c> (the project folder has its <c>wwwroot</c>) and a
/// build's output (no <c>wwwroot</c> beside it: in Development its assets are served from the project).
/// </summary>
public static class PublishedWebRoot
{
    /// <summary>The host's options for <paramref name="args"/>, with the web root beside the binaries when that is where it is.</summary>
    public static WebApplicationOptions Options(string[] args) =>
        new() { Args = args, WebRootPath = Find(args, Directory.GetCurrentDirectory(), AppContext.BaseDirectory) };

    /// <summary>The web root to use, or null for the host's own choice (see the type).</summary>
    public static string? Find(string[] args, string workingDirectory, string binaries)
    {
        var chosen = args.Any(a => a.Contains("contentroot", StringComparison.OrdinalIgnoreCase) || a.Contains("webroot", StringComparison.OrdinalIgnoreCase))
            || new[] { "ASPNETCORE_CONTENTROOT", "ASPNETCORE_WEBROOT", "DOTNET_CONTENTROOT" }.Any(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)));
        var beside = Path.Combine(binaries, "wwwroot");
        return chosen || Directory.Exists(Path.Combine(workingDirectory, "wwwroot")) || !Directory.Exists(beside) ? null : beside;
    }
}
