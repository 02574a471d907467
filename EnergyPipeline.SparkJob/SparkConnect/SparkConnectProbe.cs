using System.Globalization;
using System.Net;
using EnergyPipeline.Connectivity;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// Reaches the Spark Connect endpoint within the connect timeout before the job starts: a TCP connection and one
/// HTTP/2 exchange with prior knowledge, as a gRPC channel opens, but no gRPC call, so Spark creates no session for
/// it. Any HTTP/2 answer means a server is there; a refused connection (a server still starting) is tried again until
/// the timeout, after which the job fails with one line naming the address, the setting and the cause.
/// </summary>
public static class SparkConnectProbe
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Parses the connection string; a malformed one is a configuration error naming the setting.</summary>
    public static SparkConnectionString Parse(string connectionString, string setting)
    {
        try
        {
            return SparkConnectionString.Parse(connectionString);
        }
        catch (FormatException ex)
        {
            throw new ConnectionSettingException($"{setting}: {ex.Message}");
        }
    }

    public static async Task CheckAsync(string connectionString, string setting, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var endpoint = Parse(connectionString, setting);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var cause = "no answer";
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.GrpcAddress)
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException ex)
            {
                cause = ConnectionFailureCause.Of(ex);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(RetryPause, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        throw new ServiceUnreachableException(string.Create(CultureInfo.InvariantCulture,
            $"Cannot reach Spark Connect at {endpoint.Host}:{endpoint.Port} ({setting}) within {timeout.TotalSeconds:0.#} s: {cause}"));
    }
}
