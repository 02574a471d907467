using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults shared by every service of the pipeline: OpenTelemetry and service discovery for HTTP
/// clients. No health check of their own: both services are console programs that serve no health endpoint, and the
/// Kafka registrations add their own checks (the Aspire.Confluent.Kafka shape).
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Activity sources and meters of the pipeline's own code: every service names its source and meter
    /// with this prefix so one wildcard subscription sees them all.
    /// </summary>
    public const string TelemetryPrefix = "EnergyPipeline.";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();

        // Service discovery for every HttpClient, and no standard resilience handler: the two clients of the
        // services are a 20 MB download (its 30 s total timeout would cut it; the downloader restarts the file
        // itself) and the Spark Connect channel (its retries would re-send non-idempotent statements).
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + "*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix + "*")
                .AddHttpClientInstrumentation()
                .AddGrpcClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }
}
