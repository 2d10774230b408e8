using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>
/// Fires <see cref="ChatKitHttpOptions.ShutdownGraceSeconds"/> after the host starts stopping, so
/// open streams get the grace period to finish and then end with an error event (their partial
/// answers are saved by the engine's normal cancellation path) before the server goes away.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private readonly CancellationTokenRegistration _registration;

    /// <summary>Starts counting the grace period when <paramref name="lifetime"/> begins stopping.</summary>
    public ShutdownSignal(IHostApplicationLifetime lifetime, IOptions<ChatKitHttpOptions> options, ILogger<ShutdownSignal> logger)
    {
        var grace = TimeSpan.FromSeconds(options.Value.ShutdownGraceSeconds);
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            logger.LogInformation("Stopping: open streams have {GraceSeconds} s to finish", grace.TotalSeconds);
            _expired.CancelAfter(grace);
        });
    }

    /// <summary>Cancelled when the grace period after shutdown began is over.</summary>
    public CancellationToken GraceExpired => _expired.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        _registration.Dispose();
        _expired.Dispose();
    }
}
