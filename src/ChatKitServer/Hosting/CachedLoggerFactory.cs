using System.Collections.Concurrent;

namespace ChatKitServer.Hosting;

/// <summary>
/// Keeps one logger per category, as Microsoft.Extensions.Logging's own factory does. Serilog's factory
/// (<c>AddSerilog</c>) makes a new logger on every <c>CreateLogger</c> (881 bytes each, a concurrent dictionary
/// included), and <c>ILogger&lt;T&gt;</c> asks for one each time it is resolved: every scoped or transient service
/// with a logger paid it on every request, and an open stream kept its loggers for its whole life.
/// Loggers are thread-safe and the same for a category, so sharing them changes nothing in what is logged.
/// </summary>
public sealed class CachedLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    /// <summary>Puts the cache in front of the <see cref="ILoggerFactory"/> registered last (made the way it was registered).</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("No ILoggerFactory is registered to cache.");
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(sp => new CachedLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(sp),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
        }));
    }
}
