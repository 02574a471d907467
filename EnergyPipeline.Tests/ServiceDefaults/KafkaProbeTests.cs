using System.Net;
using System.Net.Sockets;
using EnergyPipeline.Connectivity;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>
/// The start probe gives up on a refused connection after a short grace, long before a generous connect timeout;
/// one address that answers is enough to go on.
/// </summary>
public sealed class KafkaProbeTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(10);

    // The guard is the test's own timeout: waiting for the connect timeout (10 min) would exceed it.
    [Fact(Timeout = 60_000)]
    public async Task Every_address_refusing_fails_fast_naming_the_addresses_and_the_cause()
    {
        var kafka = $"127.0.0.1:{ServerPort.Free()},localhost:{ServerPort.Free()}";

        var error = await Assert.ThrowsAsync<ServiceUnreachableException>(
            () => Task.Run(() => KafkaProbe.Check(kafka, "ConnectionStrings:kafka", Generous), TestContext.Current.CancellationToken));

        Assert.StartsWith($"Cannot reach Kafka at {kafka} (ConnectionStrings:kafka): Connection refused", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_host_name_that_does_not_exist_fails_fast_naming_it()
    {
        // .invalid never resolves (RFC 6761): the resolver answers that the name does not exist.
        var kafka = $"kafka.invalid:9092,127.0.0.1:{ServerPort.Free()}";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ServiceUnreachableException>(
            () => Task.Run(() => KafkaProbe.Check(kafka, "ConnectionStrings:kafka", Generous), TestContext.Current.CancellationToken));

        Assert.Equal(
            $"Cannot reach Kafka at {kafka} (ConnectionStrings:kafka): the host name kafka.invalid does not exist; " +
            $"Connection refused: nothing listens there (tried for {KafkaProbe.RefusedGrace.TotalSeconds:0.#} s)",
            error.Message);
        Assert.True(clock.Elapsed < KafkaProbe.RefusedGrace + TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact(Timeout = 60_000)]
    public async Task One_refusing_address_beside_a_broker_that_answers_is_no_failure()
    {
        using var cluster = new MockKafkaCluster();
        var kafka = $"127.0.0.1:{ServerPort.Free()},{cluster.BootstrapServers}";

        var partitions = await Task.Run(() => KafkaProbe.Check(kafka, "ConnectionStrings:kafka", Generous, "absent_topic"), TestContext.Current.CancellationToken);

        Assert.Null(partitions);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_address_that_answers_in_another_protocol_is_named_as_no_kafka_broker_at_its_first_reply()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var server = AnswerEveryConnectionAsync(listener, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), stop.Token);
        var kafka = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ServiceUnreachableException>(
            () => Task.Run(() => KafkaProbe.Check(kafka, "ConnectionStrings:kafka", Generous), TestContext.Current.CancellationToken));

        Assert.StartsWith($"Kafka at {kafka} (ConnectionStrings:kafka): the address answered but is not a Kafka broker", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        await stop.CancelAsync();
        await server;
    }

    /// <summary>Reads what each client sends and answers with <paramref name="reply"/>, as a server of another protocol would.</summary>
    private static async Task AnswerEveryConnectionAsync(TcpListener listener, byte[] reply, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken);
                var stream = client.GetStream();
                _ = await stream.ReadAsync(new byte[4096], cancellationToken);
                await stream.WriteAsync(reply, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is done.
        }
    }
}
