using System.Net.Sockets;

namespace EnergyPipeline.Connectivity;

/// <summary>The short cause of a failed connection for a one-line error: the socket's own words when there is a socket error.</summary>
public static class ConnectionFailureCause
{
    public static string Of(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.Message;
            }
        }

        return ex.InnerException?.Message ?? ex.Message;
    }
}
