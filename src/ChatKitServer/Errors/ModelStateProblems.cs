using System.Text.Json;
using ChatKit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Errors;

/// <summary>
/// The 400 of MVC model binding (the simple chat API's JSON body, query parameters) in the protocol's
/// words: a JSON error names the JSON path and the kind of value expected there, never a .NET type
/// (System.Text.Json's own messages name CLR types); the "field is required" echo of a body that
/// could not be read is dropped.
/// </summary>
public static class ModelStateProblems
{
    public static IActionResult Create(ActionContext context)
    {
        var body = context.ActionDescriptor.Parameters.FirstOrDefault(p => p.BindingInfo?.BindingSource == BindingSource.Body);
        var json = context.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.JsonSerializerOptions;
        var errors = new Dictionary<string, string[]>();
        foreach (var (key, entry) in context.ModelState)
        {
            var messages = entry.Errors.Select(e => Message(e, body, json)).ToArray();
            if (messages.Length > 0) errors[Key(key)] = messages;
        }
        // A body that could not be read also fails as "the request field is required": say only why it could not be read.
        if (body is not null && errors.Count > 1) errors.Remove(body.Name);
        var problem = new ValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Bad request",
            Detail = string.Join(" ", errors.Values.SelectMany(m => m)),
        };
        return new BadRequestObjectResult(problem) { ContentTypes = { "application/problem+json" } };
    }

    private static string Message(ModelError error, Microsoft.AspNetCore.Mvc.Abstractions.ParameterDescriptor? body, JsonSerializerOptions json)
    {
        var exception = error.Exception as JsonException ?? error.Exception?.InnerException as JsonException;
        if (exception is not null && body is not null && json.TryGetTypeInfo(body.ParameterType, out var target))
            return ChatKitRequestParser.DescribeJsonError(exception, target);
        if (exception is not null)
            return "The body is not valid JSON for this endpoint.";
        return string.IsNullOrEmpty(error.ErrorMessage) ? "The value is not valid." : error.ErrorMessage;
    }

    private static string Key(string key) => key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key == "$" ? "" : key;
}
