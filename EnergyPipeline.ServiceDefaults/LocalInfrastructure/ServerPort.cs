using System.Net;
using System.Net.Sockets;

namespace EnergyPipeline.LocalInfrastructure;

/// <summary>
/// A loopback port for a server that starts a moment later (the embedded PostgreSQL, the tests' servers and AppHosts),
/// or for an address where nothing listens.
/// Chosen below the ranges operating systems give to outgoing connections by default (Linux 32768-60999, Windows and
/// macOS 49152-65535): a port the system hands out with <c>bind(0)</c> can be taken by any client's next connection
/// before the server binds it, which fails the server's start ("Address already in use").
/// </summary>
public static class ServerPort
{
    public const int First = 20_000;
    public const int Last = 32_000;

    /// <summary>A port of <see cref="First"/>..<see cref="Last"/> that nothing listened on a moment ago.</summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: another one.
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 100 tries.");
    }
}
