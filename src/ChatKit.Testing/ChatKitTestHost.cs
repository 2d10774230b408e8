using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ChatKit.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Testing;

/// <summary>Where the test host keeps its data.</summary>
public enum TestDatabase
{
    /// <summary>A SQLite file in a temporary folder, deleted with the host.</summary>
    File,
    /// <summary>A shared in-memory SQLite database, gone with the host.</summary>
    Memory,
}

/// <summary>
/// A ChatKit server in memory for tests, built on <see cref="WebApplicationFactory{TEntryPoint}"/>:
/// SQLite (file or in-memory), the scripted model (<c>Assistant:Provider=Scripted</c>), JWT auth with
/// a key of its own so tests mint real tokens for users and admins. <typeparamref name="TProgram"/> is
/// the server's entry point (a host following the ChatKitServer configuration contract).
/// <code>
/// using var host = new ChatKitTestHost&lt;Program&gt;(script: "scripts/weather.json");
/// var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("Weather?")).CollectAsync();
/// turn.Should().HaveAssistantText("It is sunny.");
/// </code>
/// </summary>
public class ChatKitTestHost<TProgram> : WebApplicationFactory<TProgram> where TProgram : class
{
    private const string Issuer = "https://chatkit-testing.local";
    private const string Audience = "chatkit-testing";
    private readonly string _signingKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
    private readonly Dictionary<string, string?> _settings;

    /// <summary>The folder of this host's files (database, attachments, inline script).</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "chatkit-testing", Guid.NewGuid().ToString("n"));

    /// <summary>A host answering from <paramref name="script"/> (a file path) or <paramref name="inlineScript"/> (the JSON itself).</summary>
    public ChatKitTestHost(string? script = null, string? inlineScript = null, TestDatabase database = TestDatabase.File, IDictionary<string, string?>? settings = null)
    {
        Directory.CreateDirectory(Folder);
        if (inlineScript is not null)
        {
            script = Path.Combine(Folder, "script.json");
            File.WriteAllText(script, inlineScript);
        }
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:ChatKit"] = database == TestDatabase.File
                ? $"Data Source={Path.Combine(Folder, "chatkit.db")}"
                : $"Data Source=file:{Guid.NewGuid():n}?mode=memory&cache=shared",
            ["Attachments:Path"] = Path.Combine(Folder, "attachments"),
            ["Auth:Mode"] = "Jwt",
            ["Auth:Jwt:SigningKey"] = _signingKey,
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["RateLimiting:Enabled"] = "false",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        if (script is not null)
        {
            _settings["Assistant:Provider"] = "Scripted";
            _settings["Assistant:ScriptPath"] = Path.GetFullPath(script);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
        if (database == TestDatabase.Memory)
        {
            // An in-memory SQLite database lives while one connection to it is open.
            _keepAlive = new Microsoft.Data.Sqlite.SqliteConnection(_settings["ConnectionStrings:ChatKit"]);
            _keepAlive.Open();
        }
    }

    private readonly Microsoft.Data.Sqlite.SqliteConnection? _keepAlive;

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <summary>A real bearer token for <paramref name="userId"/> with the given roles.</summary>
    public string TokenFor(string userId, params string[] roles)
    {
        var claims = new List<Claim> { new("sub", userId) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = Issuer,
            Audience = Audience,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A ChatKit client signed in as <paramref name="userId"/>.</summary>
    public ChatKitClient ClientFor(string userId, params string[] roles)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userId, roles));
        return new ChatKitClient(http);
    }

    /// <summary>A ChatKit client signed in as an administrator (role <c>admin</c>).</summary>
    public ChatKitClient AdminClient(string userId = "admin") => ClientFor(userId, "admin");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _keepAlive?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // a file still closing; the temporary folder is the system's to clean
        }
    }
}
