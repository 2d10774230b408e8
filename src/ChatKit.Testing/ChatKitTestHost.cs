using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using ChatKit.Client;
using ChatKit.Scripted;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

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
/// An app that adds ChatKit, in memory for tests, built on <see cref="WebApplicationFactory{TEntryPoint}"/>:
/// the scripted model in the place of the app's <c>IChatClient</c>, JWT auth with a key of its own so tests
/// mint real tokens for users and admins. <typeparamref name="TProgram"/> is the app's entry point (any app
/// that calls <c>AddChatKit</c> and <c>MapChatKit</c>, or ChatKitServer, whose SQLite database, file or
/// in-memory, the host also sets). An app that maps ChatKit elsewhere than <c>/chatkit</c> sets
/// <see cref="ChatKitPath"/>.
/// <code>
/// using var host = new ChatKitTestHost&lt;Program&gt;(script: "scripts/weather.json");
/// var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("Weather?")).CollectAsync();
/// turn.Should().HaveAssistantText("It is sunny.");
/// </code>
/// Settings given to the constructor win over the host's own: <c>Database:Provider</c> with
/// <c>ConnectionStrings:ChatKit</c> runs it on another database (PostgreSQL, SQL Server), and
/// <c>Auth:Jwt:*</c> shares a signing key between hosts. Services are replaced with the
/// <c>services</c> hook (or <see cref="ConfigureServices"/>), which keeps <see cref="ClientFor"/>
/// and <see cref="TokenFor"/> (<c>WithWebHostBuilder</c> would return a plain factory without them).
/// </summary>
public class ChatKitTestHost<TProgram> : WebApplicationFactory<TProgram> where TProgram : class
{
    private readonly Dictionary<string, string?> _settings;
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly Microsoft.Data.Sqlite.SqliteConnection? _keepAlive;
    private readonly string? _scriptPath;
    private bool _built;

    /// <summary>The folder of this host's files (database, attachments, inline script).</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "chatkit-testing", Guid.NewGuid().ToString("n"));

    /// <summary>
    /// A host answering from <paramref name="script"/> (a file path) or <paramref name="inlineScript"/> (the JSON itself),
    /// on <paramref name="database"/>, with <paramref name="settings"/> over its own and <paramref name="services"/> run
    /// after the app's own registrations (to replace a service: <c>s => s.Replace(ServiceDescriptor.Singleton(mine))</c>).
    /// </summary>
    public ChatKitTestHost(string? script = null, string? inlineScript = null, TestDatabase database = TestDatabase.File,
        IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<IServiceCollection>? services = null)
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
            ["RateLimiting:Enabled"] = "false",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        if (script is not null)
        {
            _scriptPath = Path.GetFullPath(script);
            _settings["Assistant:Provider"] = "Scripted";
            _settings["Assistant:ScriptPath"] = _scriptPath;
        }
        var own = new ChatKitTestTokens();
        foreach (var (key, value) in own.Settings) _settings[key] = value;
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
        // Settings that name no key (an app trusting an identity provider instead) leave the kit its own.
        Tokens = new ChatKitTestTokens(_settings["Auth:Jwt:SigningKey"] ?? own.SigningKey, _settings["Auth:Jwt:Issuer"] ?? own.Issuer, _settings["Auth:Jwt:Audience"] ?? own.Audience);
        if (services is not null) _services.Add(services);
        if (database == TestDatabase.Memory)
        {
            // An in-memory SQLite database lives while one connection to it is open.
            _keepAlive = new Microsoft.Data.Sqlite.SqliteConnection(_settings["ConnectionStrings:ChatKit"]);
            _keepAlive.Open();
        }
    }

    /// <summary>The settings the host runs with (its own and those given), e.g. to start a second host on the same database and keys.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>The database's connection string (<c>ConnectionStrings:ChatKit</c>).</summary>
    public string ConnectionString => _settings["ConnectionStrings:ChatKit"]!;

    /// <summary>Adds service registrations, run after the app's own; call it before the host starts (before the first client or <c>Services</c>).</summary>
    public ChatKitTestHost<TProgram> ConfigureServices(Action<IServiceCollection> configure)
    {
        if (_built) throw new InvalidOperationException("The host has started: configure its services before creating a client or reading Services.");
        _services.Add(configure);
        return this;
    }

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        _built = true;
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            TestAuthentication.Add(services, Tokens);
            if (_scriptPath is { } path) ScriptedModel.Use(services, () => ChatScript.Load(path));
            foreach (var configure in _services) configure(services);
        });
    }

    /// <summary>Serves through real Kestrel on a free loopback port (for what lives in Kestrel: limits, timeouts, a browser); returns its address. Clients made after this go through Kestrel.</summary>
    public Uri StartKestrel()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        UseKestrel(port);
        StartServer();
        return new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>The host's token minter (its key, issuer and audience are the host's <c>Auth:Jwt:*</c> settings).</summary>
    public ChatKitTestTokens Tokens { get; }

    /// <summary>A real bearer token for <paramref name="userId"/> (the <c>sub</c> claim) with the given roles (<c>role</c> claims).</summary>
    public string TokenFor(string userId, params string[] roles) => Tokens.For(userId, roles);

    /// <summary>
    /// A bearer token whose claims are exactly <paramref name="claims"/> (plus issuer, audience and times), signed with the
    /// host's key unless told otherwise: to test what the app refuses (an expired token, another audience or issuer, a
    /// forged signature, a token without <c>sub</c>).
    /// </summary>
    public string CreateToken(IReadOnlyDictionary<string, object> claims, DateTime? expires = null, string? issuer = null, string? audience = null, string? signingKey = null) =>
        Tokens.Create(claims, expires, issuer, audience, signingKey);

    /// <summary>An <see cref="HttpClient"/> signed in as <paramref name="userId"/>, for the app's other endpoints (uploads, admin pages, your own API).</summary>
    public HttpClient HttpClientFor(string userId, params string[] roles)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userId, roles));
        return http;
    }

    /// <summary>
    /// The path of the app's ChatKit endpoint that <see cref="ClientFor"/> and <see cref="AdminClient"/> call (default
    /// <c>chatkit</c>): the pattern given to <c>MapChatKit</c>, e.g. <c>new ChatKitTestHost&lt;Program&gt;(...) { ChatKitPath = "api/chat" }</c>
    /// for <c>app.MapChatKit("/api/chat")</c>.
    /// </summary>
    public string ChatKitPath { get; init; } = ChatKitClient.DefaultPath;

    /// <summary>A ChatKit client signed in as <paramref name="userId"/>, calling <see cref="ChatKitPath"/>.</summary>
    public ChatKitClient ClientFor(string userId, params string[] roles) => new(HttpClientFor(userId, roles), ChatKitPath);

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
