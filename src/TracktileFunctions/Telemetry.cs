using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TracktileFunctions.Operations;

namespace TracktileFunctions;

/// <summary>
/// The worker's OpenTelemetry: the app's spans and instruments (<see cref="AppTelemetry"/>), HttpClient spans and
/// metrics, and logs with their scopes, all exported to Application Insights when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, and nowhere otherwise (docs/telemetry.md).
/// </summary>
internal static class Telemetry
{
    /// <summary>The setting that turns export to Application Insights on.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Registers OpenTelemetry for the worker.</summary>
    public static IServiceCollection AddAppOpenTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults() // the Functions resource, and the host told not to send the worker's logs twice
            .WithTracing(tracing => tracing.AddSource(AppTelemetry.Name).AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics.AddMeter(AppTelemetry.Name).AddHttpClientInstrumentation())
            .WithLogging(configureBuilder: _ => { }, configureOptions: logging => logging.IncludeScopes = true); // EventId and EventKind on every line about an event
        if (!string.IsNullOrEmpty(configuration[ConnectionStringSetting]))
        {
            telemetry.UseAzureMonitorExporter(exporter =>
            {
                // Nothing sampled away: the exporter's default (5 traces a second) decides when a trace starts, before
                // anyone knows whether it ends in a refusal or a failure; those must always be there.
                exporter.SamplingRatio = 1.0f;
                exporter.TracesPerSecond = null;
                exporter.EnableTraceBasedLogsSampler = false;
            });
        }

        return services;
    }
}
