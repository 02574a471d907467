using System.Globalization;
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

    /// <summary>
    /// What happened, in words that fit it: a refusal comes at once and says nothing listens there; only a connection
    /// that got no answer names the time it was given. Anything else is the socket's own words (a name that does not
    /// resolve, a network that is unreachable).
    /// </summary>
    public static string Describe(Exception ex, TimeSpan timeout)
    {
        var chain = Chain(ex).ToList();
        if (chain.OfType<SocketException>().FirstOrDefault() is { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return "Connection refused (nothing listens there)";
        }

        return chain.Any(e => e is TimeoutException or OperationCanceledException or SocketException { SocketErrorCode: SocketError.TimedOut })
            ? string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.#} s")
            : Of(ex);
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            yield return inner;
        }
    }
}
