using System.Reflection;
using Serilog.Configuration;
using StackExchange.Redis;

namespace ChatKitServer.Hosting;

/// <summary>
/// Settings that look right but would fail only later are checked at start, each failure a
/// <see cref="ConfigurationException"/> naming the key (see <see cref="StartupFailure"/>).
/// </summary>
public static class StartupChecks
{
    /// <summary>
    /// Every <c>Serilog:WriteTo:N:Name</c> is a sink some loaded Serilog assembly provides: an unknown sink
    /// is silently dropped by Serilog, and the server would log nowhere.
    /// </summary>
    public static void CheckSerilogSinks(IConfiguration configuration)
    {
        var names = configuration.GetSection("Serilog:WriteTo").GetChildren()
            .Select(sink => (Key: sink.Path, Name: sink["Name"] ?? sink.Value))
            .Where(sink => !string.IsNullOrWhiteSpace(sink.Name)).ToList();
        if (names.Count == 0) return;
        var known = SinkNames();
        foreach (var (key, name) in names)
        {
            if (!known.Contains(name!))
                throw new ConfigurationException($"{key}:Name: no Serilog sink is named '{name}'; this server has: {string.Join(", ", known.Order())}.");
        }
    }

    private static HashSet<string> SinkNames()
    {
        var folder = AppContext.BaseDirectory;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(folder, "Serilog*.dll"))
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.LoadFrom(file);
            }
            catch (BadImageFormatException)
            {
                continue; // not a managed assembly
            }
            foreach (var method in assembly.GetExportedTypes().Where(t => t.IsAbstract && t.IsSealed)
                         .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static)))
            {
                var parameters = method.GetParameters();
                if (parameters.Length > 0 && parameters[0].ParameterType == typeof(LoggerSinkConfiguration))
                    names.Add(method.Name);
            }
        }
        return names;
    }

    /// <summary>
    /// <c>Redis:ConnectionString</c> parses and its server answers: widget streams through an unreachable Redis
    /// would fail every request later. Runs at start (a hosted service), with a short timeout.
    /// </summary>
    public sealed class RedisReachable(string connectionString, ILogger<RedisReachable> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            ConfigurationOptions options;
            try
            {
                options = ConfigurationOptions.Parse(connectionString);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigurationException($"Redis:ConnectionString is not a Redis connection string: {ex.Message}");
            }
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = 5000;
            options.ConnectRetry = 1;
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                logger.LogInformation("Redis answers at {Endpoints}", string.Join(", ", options.EndPoints));
            }
            catch (RedisConnectionException ex)
            {
                throw new ConfigurationException($"Redis:ConnectionString: Redis does not answer at {string.Join(", ", options.EndPoints)} ({ex.FailureType}); start Redis or fix the setting.");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
