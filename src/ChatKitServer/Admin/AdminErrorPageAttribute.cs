using ChatKit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace ChatKitServer.Admin;

/// <summary>
/// On the admin's HTML pages, a request the server refuses (a stale <c>after</c> cursor, a bad date, a thread
/// deleted meanwhile) answers its status with a page that says why and leads back to the list, instead of the
/// API's ProblemDetails JSON. Server failures still go to the app's exception handler.
/// </summary>
public sealed class AdminErrorPageAttribute : ExceptionFilterAttribute
{
    /// <inheritdoc />
    public override void OnException(ExceptionContext context)
    {
        if (context.Exception is not ChatKitException { StatusCode: >= 400 and < 500 } refused) return;
        var services = context.HttpContext.RequestServices;
        services.GetRequiredService<ILogger<AdminErrorPageAttribute>>().LogInformation(
            "Admin page {Path} answered {StatusCode}: {Detail}", context.HttpContext.Request.Path.Value, refused.StatusCode, refused.Message);
        context.Result = new ViewResult
        {
            ViewName = "AdminError",
            StatusCode = refused.StatusCode,
            ViewData = new ViewDataDictionary<AdminErrorModel>(services.GetRequiredService<IModelMetadataProvider>(), context.ModelState)
            {
                Model = new AdminErrorModel(refused.StatusCode, refused.Message),
            },
        };
        context.ExceptionHandled = true;
    }
}

/// <summary>What the admin error page shows.</summary>
public sealed record AdminErrorModel(int StatusCode, string Detail);
