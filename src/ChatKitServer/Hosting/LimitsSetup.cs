using ChatKitServer.Limits;

namespace ChatKitServer.Hosting;

public static class LimitsSetup
{
    /// <summary>Deadlines (Kestrel's and the request timeouts of non-streaming requests) and the per-user limits of every endpoint.</summary>
    public static IServiceCollection AddRequestLimits(this IServiceCollection services) =>
        services.AddRequestDeadlines().AddUserLimits();
}
