using System.Net;
using System.Net.Sockets;
using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>A server's port comes from outside the range the system gives outgoing connections, and can be bound.</summary>
public sealed class ServerPortTests
{
    [Fact]
    public void A_server_port_is_free_and_below_the_machine_s_range_for_outgoing_connections()
    {
        // Linux says its range here; the test machines are Linux.
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var firstEphemeral = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 50).Select(_ => ServerPort.Free()).ToList();

        Assert.All(ports, port => Assert.InRange(port, ServerPort.First, Math.Min(ServerPort.Last, firstEphemeral - 1)));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }

    [Fact]
    public void A_port_in_use_is_not_given()
    {
        // Occupy most of a small window of the range and ask many times: a taken port never comes back.
        var taken = new List<TcpListener>();
        try
        {
            for (var port = ServerPort.First; port < ServerPort.First + 200; port++)
            {
                try
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    taken.Add(listener);
                }
                catch (SocketException)
                {
                    // Someone else's: taken all the same.
                }
            }

            var busy = taken.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToHashSet();
            Assert.All(Enumerable.Range(0, 2_000).Select(_ => ServerPort.Free()), port => Assert.DoesNotContain(port, busy));
        }
        finally
        {
            taken.ForEach(l => l.Stop());
        }
    }
}
