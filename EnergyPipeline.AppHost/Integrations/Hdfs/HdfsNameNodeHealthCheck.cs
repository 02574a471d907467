using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Healthy once the namenode takes writes: at least one live datanode and out of safe mode, as its JMX servlet
/// reports them. A namenode answers on its web port before any datanode has registered (the datanode's own web
/// server starts before it registers, <c>DataNode.startDataNode</c>), and a restarted one stays in safe mode until
/// enough block reports arrive; a first block write fails in either case.
/// </summary>
/// <remarks>
/// apache/hadoop: <c>FSNamesystem.registerMBean</c> registers <c>FSNamesystemMBean</c> as
/// <c>Hadoop:service=NameNode,name=FSNamesystemState</c>, whose <c>getNumLiveDataNodes</c> and <c>getFSState</c>
/// (<c>"safeMode"</c> while <c>isInSafeMode()</c>, else <c>"Operational"</c>) are the attributes <c>NumLiveDataNodes</c>
/// and <c>FSState</c>; <c>org.apache.hadoop.jmx.JMXJsonServlet</c> (<c>/jmx?qry=</c>) answers
/// <c>{"beans":[{"name":...,"modelerType":...,&lt;attribute&gt;:&lt;value&gt;,...}]}</c>.
/// </remarks>
public sealed class HdfsNameNodeHealthCheck(Func<Uri?> webAddress) : IHealthCheck, IDisposable
{
    public const string StateQuery = "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (webAddress() is not { } address)
        {
            return HealthCheckResult.Unhealthy("The namenode's web endpoint is not allocated yet.");
        }

        var query = new Uri(address, StateQuery);
        try
        {
            var state = State.Parse(await _http.GetStringAsync(query, cancellationToken).ConfigureAwait(false));
            return state.TakesWrites
                ? HealthCheckResult.Healthy($"{state.LiveDataNodes} live datanode(s), {state.FsState}.")
                : HealthCheckResult.Unhealthy($"The namenode does not take writes yet: {state.LiveDataNodes} live datanode(s), {state.FsState}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"{query} does not answer with the namenode's state: {ex.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The namenode's state as its <c>FSNamesystemState</c> bean reports it.</summary>
    public sealed record State(int LiveDataNodes, string FsState)
    {
        public const string Operational = "Operational";

        public bool TakesWrites => LiveDataNodes >= 1 && FsState == Operational;

        /// <summary>Reads the JMX servlet's answer to <see cref="StateQuery"/>.</summary>
        public static State Parse(string json)
        {
            using var document = JsonDocument.Parse(json);
            var bean = document.RootElement.GetProperty("beans").EnumerateArray()
                .Select(b => (JsonElement?)b)
                .FirstOrDefault(b => b!.Value.TryGetProperty("name", out var name) && name.GetString() == "Hadoop:service=NameNode,name=FSNamesystemState")
                ?? throw new FormatException("no FSNamesystemState bean in the answer");
            return new State(bean.GetProperty("NumLiveDataNodes").GetInt32(), bean.GetProperty("FSState").GetString() ?? "");
        }
    }
}
