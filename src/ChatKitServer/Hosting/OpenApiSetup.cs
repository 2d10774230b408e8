using ChatKit.AspNetCore;
using ChatKit;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ChatKitServer.Hosting;

public static class OpenApiSetup
{
    /// <summary>The document's name: served at <c>/openapi/v1.json</c>.</summary>
    public const string Document = "v1";

    /// <summary>
    /// An OpenAPI description of the HTTP endpoints that are not the ChatKit protocol (admin API, simple chat,
    /// widget streams, attachments). <c>POST /chatkit</c> is left out: the protocol is described by its JSON
    /// Schemas (one body, many request types), which OpenAPI cannot say better.
    /// </summary>
    public static IServiceCollection AddApiDescription(this IServiceCollection services) =>
        services.AddOpenApi(Document, o => o.AddDocumentTransformer((document, context, _) =>
        {
            document.Info.Title = "ChatKitServer";
            document.Info.Description =
                "The endpoints of ChatKitServer besides the ChatKit protocol (POST /chatkit, described by the protocol's JSON Schemas). " +
                "Every endpoint needs `Authorization: Bearer <token>` with Auth:Mode=Jwt; the admin API needs the admin role. " +
                "Errors are ProblemDetails (application/problem+json).";
            // ASP.NET Core names the request's Host header as the server: name the public address instead, or none when
            // nothing vouches for the host (a client then uses the address it read the document from).
            document.Servers = PublicBase(context.ApplicationServices) is { } address ? [new OpenApiServer { Url = address + "/" }] : [];
            return Task.CompletedTask;
        }));

    private static string? PublicBase(IServiceProvider services)
    {
        try
        {
            return services.GetRequiredService<PublicAddress>().Base();
        }
        catch (ChatKitValidationException)
        {
            return null; // a request that bypassed the trusted proxy
        }
    }

    /// <summary><c>/openapi/v1.json</c> always; the browsable reference (<c>/scalar/v1</c>) in Development only.</summary>
    public static WebApplication MapApiDescription(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
            app.MapScalarApiReference();
        return app;
    }
}
