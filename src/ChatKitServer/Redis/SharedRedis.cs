using StackExchange.Redis;

namespace ChatKitServer.Redis;

/// <summary>
/// The process's one connection to Redis (<c>Redis:ConnectionString</c>), shared by the widget streams, the per-user
/// limits and the readiness check. It connects on first use and, when Redis goes away, reconnects by itself
/// (<c>abortConnect=false</c>); a caller that must not wait for it (the limits) asks <see cref="Connected"/> first.
/// Registered only when Redis is configured, as a hosted service too: the connection is made at start (after
/// <c>StartupChecks.RedisReachable</c>), so the first requests find it up.
/// </summary>
public sealed class SharedRedis(string connectionString) : IHostedService, IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() =>
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(options);
    });

    /// <summary>The connection, once made (it may be down for a while later: commands then fail or wait for it).</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => _connection.Value;

    /// <summary>The connection when it is up now; null while it is being made or is down (the first call starts making it).</summary>
    public ConnectionMultiplexer? Connected =>
        _connection.Value is { IsCompletedSuccessfully: true } made && made.Result.IsConnected ? made.Result : null;

    public Task StartAsync(CancellationToken cancellationToken) => ConnectAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
            await _connection.Value.Result.DisposeAsync();
    }
}
