using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Confluent.Kafka;

namespace EnergyPipeline.Connectivity;

/// <summary>
/// Asks Kafka for its metadata once, within the connect timeout, before a service starts its work: an unreachable
/// broker then fails in seconds with one line naming the address and librdkafka's own cause (connection refused,
/// name not resolved), instead of retrying for minutes.
/// </summary>
/// <remarks>
/// When every bootstrap address refuses the connection or names a host that does not exist, the probe gives up after
/// <see cref="RefusedGrace"/> (a broker that is starting gets that moment) instead of the whole timeout: nothing
/// listens there. An address that does not answer at all (a firewall dropping packets) is left to librdkafka, which
/// waits up to the timeout.
/// </remarks>
public static class KafkaProbe
{
    /// <summary>How long connections refused by every bootstrap address are retried before the probe fails.</summary>
    public static readonly TimeSpan RefusedGrace = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan ConnectAttempt = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RefusedRetryPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MetadataSlice = TimeSpan.FromSeconds(1);

    /// <summary>Returns the topic's partition count (null when it does not exist), or throws <see cref="ServiceUnreachableException"/>.</summary>
    public static int? Check(string bootstrapServers, string setting, TimeSpan timeout, string? topic = null)
    {
        var started = Stopwatch.StartNew();
        FailWhenEveryAddressRefuses(bootstrapServers, setting, timeout < RefusedGrace ? timeout : RefusedGrace);
        // The whole probe stays within the timeout: the refusal check's time comes off librdkafka's part.
        var remaining = timeout - started.Elapsed > TimeSpan.FromSeconds(1) ? timeout - started.Elapsed : TimeSpan.FromSeconds(1);
        string? lastError = null;
        var notKafka = false;
        IAdminClient admin;
        try
        {
            admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = bootstrapServers,
                SocketConnectionSetupTimeoutMs = (int)Math.Max(1000, remaining.TotalMilliseconds),
            })
                // The probe reports one line itself; librdkafka's repeated connection attempts would bury it.
                .SetLogHandler((_, _) => { })
                .SetErrorHandler((_, error) =>
                {
                    lastError = error.Reason;
                    // librdkafka's reading of a reply whose size field is no Kafka response's (rdkafka_broker.c,
                    // rd_kafka_recv: "Invalid response size ... increase receive.message.max.bytes"): another protocol.
                    notKafka |= error.Code == ErrorCode.Local_BadMsg;
                })
                .Build();
        }
        catch (ArgumentException ex)
        {
            throw new ConnectionSettingException($"{setting} ('{bootstrapServers}') is not a Kafka bootstrap list (host:port[,host:port]): {ex.Message}");
        }

        using (admin)
        {
            while (true)
            {
                // Asked in slices, so an address that answers in another protocol fails at its first reply, not at the timeout.
                var left = remaining - started.Elapsed;
                try
                {
                    var metadata = admin.GetMetadata(left < MetadataSlice ? (left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)) : MetadataSlice);
                    if (metadata.Brokers.Count == 0)
                    {
                        throw new ServiceUnreachableException($"Kafka at {bootstrapServers} ({setting}) answered without any broker.");
                    }

                    return topic is null ? null : metadata.Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError)?.Partitions.Count;
                }
                catch (KafkaException ex) when (notKafka)
                {
                    throw new ServiceUnreachableException(
                        $"Kafka at {bootstrapServers} ({setting}): the address answered but is not a Kafka broker (another service listens there; librdkafka: {lastError ?? ex.Error.Reason})");
                }
                catch (KafkaException ex) when (started.Elapsed >= remaining)
                {
                    var cause = lastError ?? ex.Error.Reason;
                    throw new ServiceUnreachableException(string.Create(CultureInfo.InvariantCulture,
                        $"Cannot reach Kafka at {bootstrapServers} ({setting}): no answer from a broker within {timeout.TotalSeconds:0.#} s: {cause}"));
                }
                catch (KafkaException)
                {
                    // Not yet: the next slice.
                }
            }
        }
    }

    private static void FailWhenEveryAddressRefuses(string bootstrapServers, string setting, TimeSpan grace)
    {
        if (Addresses(bootstrapServers) is not { Count: > 0 } addresses)
        {
            return; // librdkafka names what is wrong with the list
        }

        var waited = Stopwatch.StartNew();
        while (addresses.Select(Refusal).ToList() is var refusals && refusals.All(r => r is not null))
        {
            if (waited.Elapsed >= grace)
            {
                throw new ServiceUnreachableException(string.Create(CultureInfo.InvariantCulture,
                    $"Cannot reach Kafka at {bootstrapServers} ({setting}): {string.Join("; ", refusals.Distinct())} (tried for {grace.TotalSeconds:0.#} s)"));
            }

            Thread.Sleep(RefusedRetryPause);
        }
    }

    /// <summary>
    /// Why the address certainly has no broker, or null: a refused connection, or a host name the resolver says does not
    /// exist. A connection, a resolver that cannot answer now, or no answer at all is left to librdkafka.
    /// </summary>
    private static string? Refusal((string Host, int Port) address)
    {
        using var attempt = new CancellationTokenSource(ConnectAttempt);
        using var client = new TcpClient();
        try
        {
            client.ConnectAsync(address.Host, address.Port, attempt.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "Connection refused: nothing listens there",
                SocketError.HostNotFound => $"the host name {address.Host} does not exist",
                _ => null,
            };
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The host and port of each <c>[scheme://]host:port</c> of the list, or null when one cannot be read.</summary>
    private static List<(string Host, int Port)>? Addresses(string bootstrapServers)
    {
        var addresses = new List<(string Host, int Port)>();
        foreach (var entry in bootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = entry.Contains("://", StringComparison.Ordinal) ? entry[(entry.IndexOf("://", StringComparison.Ordinal) + 3)..] : entry;
            var colon = address.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return null;
            }

            addresses.Add((address[..colon].Trim('[', ']'), port));
        }

        return addresses;
    }
}
