using ChatKit.Scripted;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKit.Testing;

/// <summary>Puts the host's script in the place of the app's model.</summary>
internal static class ScriptedModel
{
    /// <summary>
    /// An app that registers <see cref="ScriptedChatClient"/> as a service (and builds its <see cref="IChatClient"/>
    /// pipeline on it, as ChatKitServer does) gets the script there, its middleware kept; any other app's
    /// <see cref="IChatClient"/> (none, or a real model) is replaced by the scripted one.
    /// </summary>
    public static void Use(IServiceCollection services, Func<ChatScript> script)
    {
        ScriptedChatClient Create(IServiceProvider sp) => new(script(), sp.GetService<TimeProvider>());
        if (services.Any(d => d.ServiceType == typeof(ScriptedChatClient) && !d.IsKeyedService))
        {
            services.Replace(ServiceDescriptor.Singleton(Create));
            return;
        }
        foreach (var registered in services.Where(d => d.ServiceType == typeof(IChatClient) && !d.IsKeyedService).ToList())
            services.Remove(registered);
        services.AddSingleton<IChatClient>(Create);
    }
}
