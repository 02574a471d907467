using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// librdkafka's statistics (<c>statistics.interval.ms</c>) as OpenTelemetry instruments on the meter
/// <see cref="MeterName"/> (under the services' <c>EnergyPipeline.*</c> subscription). librdkafka reports running
/// totals, so the counters are observable counters over the newest report of each client, tagged with its name.
/// </summary>
public sealed class KafkaClientMetrics
{
    public const string MeterName = "EnergyPipeline.Kafka";

    public const string MessagesSent = "messaging.kafka.client.messages.sent";
    public const string MessagesReceived = "messaging.kafka.client.messages.received";
    public const string BytesSent = "messaging.kafka.client.message_bytes.sent";
    public const string BytesReceived = "messaging.kafka.client.message_bytes.received";
    public const string Requests = "messaging.kafka.client.requests";
    public const string RequestLatency = "messaging.kafka.client.request.latency";
    public const string ConsumerLag = "messaging.kafka.consumer.lag";
    public const string ClientTag = "messaging.client.id";

    private readonly ConcurrentDictionary<string, ClientStatistics> _latest = new(StringComparer.Ordinal);

    public KafkaClientMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter(MessagesSent, () => Observe(s => s.MessagesSent), "{message}", "Messages transmitted to brokers");
        meter.CreateObservableCounter(MessagesReceived, () => Observe(s => s.MessagesReceived), "{message}", "Messages consumed from brokers");
        meter.CreateObservableCounter(BytesSent, () => Observe(s => s.BytesSent), "By", "Message bytes (with framing) transmitted to brokers");
        meter.CreateObservableCounter(BytesReceived, () => Observe(s => s.BytesReceived), "By", "Message bytes (with framing) received from brokers");
        meter.CreateObservableCounter(Requests, () => Observe(s => s.Requests), "{request}", "Requests sent to brokers");
        meter.CreateObservableGauge(RequestLatency, () => Observe(s => s.AverageRoundTripMs), "ms", "Average broker round-trip time of the last statistics window");
        meter.CreateObservableGauge(ConsumerLag, () => Observe(s => s.ConsumerLag), "{message}", "Messages between the application's position and the high watermark, summed over the assigned partitions");
    }

    /// <summary>For <c>SetStatisticsHandler</c>: keeps the newest report of the client; malformed reports are ignored.</summary>
    public void Record(string json)
    {
        if (ClientStatistics.Parse(json) is { } statistics)
        {
            _latest[statistics.Name] = statistics;
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<ClientStatistics, long> value) =>
        _latest.Values.Select(s => new Measurement<long>(value(s), new KeyValuePair<string, object?>(ClientTag, s.Name)));

    private IEnumerable<Measurement<double>> Observe(Func<ClientStatistics, double> value) =>
        _latest.Values.Select(s => new Measurement<double>(value(s), new KeyValuePair<string, object?>(ClientTag, s.Name)));

    /// <summary>The few fields of librdkafka's STATISTICS.md that the instruments use.</summary>
    internal sealed record ClientStatistics(
        string Name, long MessagesSent, long MessagesReceived, long BytesSent, long BytesReceived, long Requests,
        double AverageRoundTripMs, long ConsumerLag)
    {
        public static ClientStatistics? Parse(string json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;
                if (!root.TryGetProperty("name", out var name) || name.GetString() is not { Length: > 0 } clientName)
                {
                    return null;
                }

                return new ClientStatistics(
                    clientName,
                    Long(root, "txmsgs"),
                    Long(root, "rxmsgs"),
                    Long(root, "txmsg_bytes"),
                    Long(root, "rxmsg_bytes"),
                    Long(root, "tx"),
                    MeanRoundTripMs(root),
                    IsConsumer(root) ? ConsumerLagOf(root) : 0);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                // Called from librdkafka's thread: a report that does not parse is skipped, never thrown into native code.
                return null;
            }
        }

        private static bool IsConsumer(JsonElement root) =>
            root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "consumer";

        private static long Long(JsonElement element, string property) =>
            element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

        /// <summary>Mean of the brokers' average round trip (microseconds in the report), over brokers that had requests.</summary>
        private static double MeanRoundTripMs(JsonElement root)
        {
            if (!root.TryGetProperty("brokers", out var brokers) || brokers.ValueKind != JsonValueKind.Object)
            {
                return 0;
            }

            var averages = brokers.EnumerateObject()
                .Select(b => b.Value.TryGetProperty("rtt", out var rtt) ? rtt : default)
                .Where(rtt => rtt.ValueKind == JsonValueKind.Object && Long(rtt, "cnt") > 0)
                .Select(rtt => Long(rtt, "avg") / 1000.0)
                .ToList();
            return averages.Count == 0 ? 0 : averages.Average();
        }

        /// <summary>
        /// Sum over the assigned partitions of the high watermark minus the application's position. librdkafka's own
        /// consumer_lag counts from the committed offset, which a consumer that never commits (the local engine) lacks.
        /// </summary>
        private static long ConsumerLagOf(JsonElement root)
        {
            if (!root.TryGetProperty("topics", out var topics) || topics.ValueKind != JsonValueKind.Object)
            {
                return 0;
            }

            long lag = 0;
            foreach (var topic in topics.EnumerateObject())
            {
                if (!topic.Value.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var partition in partitions.EnumerateObject().Where(p => p.Name != "-1"))
                {
                    var high = Long(partition.Value, "hi_offset");
                    var position = Long(partition.Value, "app_offset");
                    if (high >= 0 && position >= 0 && high > position)
                    {
                        lag += high - position;
                    }
                }
            }

            return lag;
        }
    }
}
