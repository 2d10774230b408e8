using System.ComponentModel.DataAnnotations;
using ChatKit;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChatKitServer.Hosting;

/// <summary>Settings of OpenTelemetry (section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>The service name traces and metrics carry.</summary>
    [Required]
    public string ServiceName { get; set; } = "ChatKitServer";

    /// <summary>Where to send traces and metrics over OTLP (e.g. <c>http://collector:4317</c>); none: not sent. <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> works too.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Serve metrics for Prometheus to scrape at <see cref="PrometheusPath"/>.</summary>
    public bool Prometheus { get; set; }

    /// <summary>The scrape path.</summary>
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// When set, metrics are served only on connections to this local port (one of the server's <c>--urls</c>, kept off
    /// the public address), and the scrape path answers 404 on every other port. Unset: on every port, to anyone.
    /// </summary>
    [Range(1, 65535)]
    public int? PrometheusPort { get; set; }

    /// <summary>
    /// Whether traces and metrics are collected at all. Unset (the default): only when they are sent somewhere, i.e. with
    /// <see cref="OtlpEndpoint"/> (or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) or <see cref="Prometheus"/>. A host that adds an
    /// exporter of its own (<c>ConfigureOpenTelemetryTracerProvider</c> in its services hook) sets it to true; false turns
    /// them off even with an exporter set. Collected for nobody, they cost about 4% of the server's CPU under load.
    /// </summary>
    public bool? Collect { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OtlpEndpoint is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
            yield return new ValidationResult($"Telemetry:OtlpEndpoint must be an absolute http(s) address, e.g. http://collector:4317 (got '{OtlpEndpoint}').", [nameof(OtlpEndpoint)]);
        if (!PrometheusPath.StartsWith('/'))
            yield return new ValidationResult($"Telemetry:PrometheusPath must start with '/' (got '{PrometheusPath}').", [nameof(PrometheusPath)]);
    }
}

public static class TelemetrySetup
{
    /// <summary>
    /// OpenTelemetry traces and metrics: ASP.NET Core's, ChatKit's (<see cref="ChatKitTelemetry"/>: a span per
    /// request, store writes, tool calls and MCP calls; turns, time to first event, active streams, tokens,
    /// tool calls, errors) and the model calls' (Microsoft.Extensions.AI, GenAI conventions). Exported over OTLP
    /// when <c>Telemetry:OtlpEndpoint</c> (or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set; metrics for Prometheus
    /// with <c>Telemetry:Prometheus=true</c>. Not collected when nothing is exported (see <see cref="TelemetryOptions.Collect"/>).
    /// </summary>
    public static IServiceCollection AddChatKitTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!Collects(configuration)) return services;
        var options = Options(configuration);
        var otlp = Otlp(options, configuration);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(ChatKitTelemetry.Name, AssistantSetup.ModelTelemetrySource).AddAspNetCoreInstrumentation();
                if (otlp) tracing.AddOtlpExporter(o => { if (options.OtlpEndpoint is { } endpoint) o.Endpoint = endpoint; });
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ChatKitTelemetry.Name, AssistantSetup.ModelTelemetrySource).AddAspNetCoreInstrumentation();
                if (otlp) metrics.AddOtlpExporter(o => { if (options.OtlpEndpoint is { } endpoint) o.Endpoint = endpoint; });
                if (options.Prometheus) metrics.AddPrometheusExporter();
            });
        return services;
    }

    /// <summary>
    /// Whether traces and metrics are collected (<see cref="TelemetryOptions.Collect"/>): as set, else when they are sent
    /// somewhere (OTLP, Prometheus).
    /// </summary>
    public static bool Collects(IConfiguration configuration)
    {
        var options = Options(configuration);
        return options.Collect ?? (Otlp(options, configuration) || options.Prometheus);
    }

    private static TelemetryOptions Options(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

    private static bool Otlp(TelemetryOptions options, IConfiguration configuration) =>
        options.OtlpEndpoint is not null || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>The Prometheus scrape endpoint, when <c>Telemetry:Prometheus</c> is on (and telemetry not turned off).</summary>
    public static WebApplication MapChatKitTelemetry(this WebApplication app)
    {
        var options = Options(app.Configuration);
        if (!options.Prometheus || !Collects(app.Configuration)) return app;
        var scrape = app.MapPrometheusScrapingEndpoint(options.PrometheusPath);
        if (options.PrometheusPort is not { } port) scrape.ReadOnly();
        else
        {
            // The methods are checked here, after the port: routing's 405 would tell the public port that the endpoint is there.
            scrape.Add(endpoint =>
            {
                var served = endpoint.RequestDelegate!;
                endpoint.RequestDelegate = http =>
                    http.Connection.LocalPort != port ? Refuse(http, StatusCodes.Status404NotFound)
                    : HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? served(http)
                    : Refuse(http, StatusCodes.Status405MethodNotAllowed);
            });
        }
        return app;

        // No body here: the status code pages write the server's ProblemDetails body.
        static Task Refuse(HttpContext http, int status)
        {
            http.Response.StatusCode = status;
            if (status == StatusCodes.Status405MethodNotAllowed) http.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }
    }
}
