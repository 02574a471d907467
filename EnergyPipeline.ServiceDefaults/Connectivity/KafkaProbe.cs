using System.Globalization;
using Confluent.Kafka;

namespace EnergyPipeline.Connectivity;

/// <summary>
/// Asks Kafka for its metadata once, within the connect timeout, before a service starts its work: an unreachable
/// broker then fails in seconds with one line naming the address and librdkafka's own cause (connection refused,
/// name not resolved), instead of retrying for minutes.
/// </summary>
public static class KafkaProbe
{
    /// <summary>Returns the topic's partition count (null when it does not exist), or throws <see cref="ServiceUnreachableException"/>.</summary>
    public static int? Check(string bootstrapServers, string setting, TimeSpan timeout, string? topic = null)
    {
        string? lastError = null;
        IAdminClient admin;
        try
        {
            admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = bootstrapServers,
                SocketConnectionSetupTimeoutMs = (int)Math.Max(1000, timeout.TotalMilliseconds),
            })
                // The probe reports one line itself; librdkafka's repeated connection attempts would bury it.
                .SetLogHandler((_, _) => { })
                .SetErrorHandler((_, error) => lastError = error.Reason)
                .Build();
        }
        catch (ArgumentException ex)
        {
            throw new ConnectionSettingException($"{setting} ('{bootstrapServers}') is not a Kafka bootstrap list (host:port[,host:port]): {ex.Message}");
        }

        using (admin)
        {
            try
            {
                var metadata = admin.GetMetadata(timeout);
                if (metadata.Brokers.Count == 0)
                {
                    throw new ServiceUnreachableException($"Kafka at {bootstrapServers} ({setting}) answered without any broker.");
                }

                return topic is null ? null : metadata.Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError)?.Partitions.Count;
            }
            catch (KafkaException ex)
            {
                var cause = lastError ?? ex.Error.Reason;
                throw new ServiceUnreachableException(string.Create(CultureInfo.InvariantCulture,
                    $"Cannot reach Kafka at {bootstrapServers} ({setting}) within {timeout.TotalSeconds:0.#} s: {cause}"));
            }
        }
    }
}
