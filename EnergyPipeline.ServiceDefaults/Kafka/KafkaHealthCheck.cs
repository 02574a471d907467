using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// Healthy when a broker answers a metadata request: a real round trip on the Kafka protocol,
/// not a TCP connect. Used by the services and by the AppHost for the Kafka container.
/// </summary>
public sealed class KafkaHealthCheck(Func<string?> bootstrapServers, TimeSpan timeout) : IHealthCheck, IDisposable
{
    private readonly Lock _gate = new();
    private IAdminClient? _admin;
    private string? _adminServers;

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
            if (_admin is null || _adminServers != servers)
            {
                _admin?.Dispose();
                _admin = new AdminClientBuilder(new AdminClientConfig
                {
                    BootstrapServers = servers,
                    SocketTimeoutMs = (int)timeout.TotalMilliseconds,
                }).SetLogHandler((_, _) => { }).Build();
                _adminServers = servers;
            }

            return _admin;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _admin?.Dispose();
            _admin = null;
        }
    }
}
