using System.Globalization;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// A Spark Connect client URI, <c>sc://host[:port][/;param=value;...]</c> as Spark's clients define it.
/// The job speaks plain-text HTTP/2 (h2c) inside the application's network, so <c>use_ssl=true</c> and
/// <c>token</c> (which Spark only sends over TLS) are refused with a clear message instead of being ignored.
/// </summary>
public sealed record SparkConnectionString(string Host, int Port, string UserId)
{
    public const int DefaultPort = 15002;
    public const string DefaultUserId = "energy-pipeline";
    private const string Scheme = "sc://";

    /// <summary>The gRPC address the channel dials: h2c on the same host and port.</summary>
    public Uri GrpcAddress => new UriBuilder(Uri.UriSchemeHttp, Host, Port).Uri;

    public static SparkConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var text = connectionString.Trim();
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(connectionString, "it must start with sc:// (for example sc://localhost:15002)");
        }

        var rest = text[Scheme.Length..];
        var parametersAt = rest.IndexOf(';', StringComparison.Ordinal);
        var authority = (parametersAt < 0 ? rest : rest[..parametersAt]).TrimEnd('/');
        var parameters = parametersAt < 0 ? "" : rest[(parametersAt + 1)..];
        if (authority.Length == 0 || authority.Contains('/', StringComparison.Ordinal))
        {
            throw Invalid(connectionString, "it needs a host and no path (sc://host:port/;param=value)");
        }

        if (!Uri.TryCreate("http://" + authority, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || uri.PathAndQuery != "/")
        {
            throw Invalid(connectionString, $"'{authority}' is not host[:port]");
        }

        var port = uri.IsDefaultPort && !authority.EndsWith(":80", StringComparison.Ordinal) ? DefaultPort : uri.Port;
        var userId = DefaultUserId;
        foreach (var pair in parameters.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Invalid(connectionString, $"parameter '{pair}' is not name=value");
            }

            var name = pair[..equals].Trim().ToLowerInvariant();
            var value = Uri.UnescapeDataString(pair[(equals + 1)..].Trim());
            switch (name)
            {
                case "user_id":
                    userId = value.Length > 0 ? value : throw Invalid(connectionString, "user_id is empty");
                    break;
                case "use_ssl" when bool.TryParse(value, out var useSsl) && !useSsl:
                case "user_agent":
                    break;
                case "use_ssl":
                case "token":
                    throw Invalid(connectionString, $"'{name}' asks for TLS, which this client does not speak: it connects with plain-text HTTP/2 inside the application's network");
                default:
                    throw Invalid(connectionString, $"unknown parameter '{name}' (known: user_id, user_agent, use_ssl=false)");
            }
        }

        return new SparkConnectionString(uri.IdnHost, port, userId);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"sc://{Host}:{Port}/;user_id={UserId}");

    private static FormatException Invalid(string connectionString, string reason) =>
        new($"The Spark Connect connection string '{Redact(connectionString)}' is not valid: {reason}.");

    // A token must not reach a log through the error that rejects it.
    private static string Redact(string connectionString)
    {
        var at = connectionString.IndexOf("token=", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return connectionString;
        }

        var end = connectionString.IndexOf(';', at);
        return connectionString[..(at + 6)] + "***" + (end < 0 ? "" : connectionString[end..]);
    }
}
