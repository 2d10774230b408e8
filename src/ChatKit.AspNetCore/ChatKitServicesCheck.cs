using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace ChatKit.AspNetCore;

/// <summary>
/// Stops the app at start, in every environment, when a service every ChatKit request needs was not registered (a store,
/// a responder): otherwise it started and answered each request with a 500 naming the missing service, since ASP.NET
/// Core validates the services at build only in Development. Only ChatKit's own needs are checked (registrations, not
/// resolved), so an app's unrelated registrations are left alone, as ValidateOnBuild for every service would not.
/// </summary>
internal sealed class ChatKitServicesCheck(IServiceProviderIsService services) : IStartupFilter
{
    private static readonly (Type Service, string HowToAdd)[] Required =
    [
        (typeof(IChatKitStore), ".AddInMemoryStore(), .AddStore<TStore>() or ChatKit.EntityFrameworkCore's AddChatKitEntityFrameworkStore(...)"),
        (typeof(IChatKitResponder), ".AddResponder<TResponder>()"),
    ];

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
    {
        var missing = Required.Where(r => !services.IsService(r.Service)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException("ChatKit cannot answer requests: "
                + string.Join("; ", missing.Select(m => $"no {m.Service.Name} is registered (add one on builder.Services.AddChatKit() with {m.HowToAdd})"))
                + ".");
        return next;
    }
}
