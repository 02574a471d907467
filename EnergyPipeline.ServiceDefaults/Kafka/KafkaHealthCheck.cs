using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// Healthy when a broker answers a metadata request: a real round trip on the Kafka protocol, not a TCP connect.
/// It owns one admin client for its lifetime: register it as a (keyed) singleton and let the registration's factory
/// return that instance, because the health check service calls the factory on every run and disposes nothing
/// (dotnet/runtime#68344). Used by the services and by the AppHost for the Kafka container.
/// </summary>
public sealed class KafkaHealthCheck(Func<string?> bootstrapServers, TimeSpan timeout, KafkaClientLog? log = null) : IHealthCheck, IDisposable
{
    private readonly Lock _gate = new();
    private IAdminClient? _admin;
    private string? _adminServers;
    private bool _disposed;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = bootstrapServers();
        if (string.IsNullOrWhiteSpace(servers))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Kafka bootstrap servers are not known yet."));
        }

        // GetMetadata blocks; keep it off the caller's thread.
        return Task.Run(() =>
        {
            try
            {
                var metadata = AdminFor(servers).GetMetadata(timeout);
                return metadata.Brokers.Count > 0
                    ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s) answered.")
                    : HealthCheckResult.Unhealthy("The cluster answered with no broker.");
            }
            catch (KafkaException ex)
            {
                return HealthCheckResult.Unhealthy($"Kafka at {servers} did not answer a metadata request: {ex.Error.Reason}", ex);
            }
        }, cancellationToken);
    }

    private IAdminClient AdminFor(string servers)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_admin is null || _adminServers != servers)
            {
                _admin?.Dispose();
                var builder = new AdminClientBuilder(new AdminClientConfig
                {
                    BootstrapServers = servers,
                    SocketTimeoutMs = (int)timeout.TotalMilliseconds,
                });
                // Without a handler librdkafka writes to stderr; the check's result already carries the failure.
                builder.SetLogHandler(log is null ? (_, _) => { } : log.Log);
                _admin = builder.Build();
                _adminServers = servers;
            }

            return _admin;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _admin?.Dispose();
            _admin = null;
        }
    }
}
