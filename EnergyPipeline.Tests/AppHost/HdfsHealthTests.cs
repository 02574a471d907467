using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The namenode is healthy once it takes writes (a live datanode, out of safe mode), as its JMX servlet says; the job
/// waits for that, and the datanode starts once the namenode runs (waiting for its health would wait for ever).
/// </summary>
public sealed class HdfsHealthTests
{
    [Fact]
    public void The_job_waits_for_a_namenode_that_takes_writes_and_the_datanode_only_for_it_to_run()
    {
        var model = AppModel.Build();

        Assert.Contains(("namenode", WaitType.WaitUntilHealthy), AppModel.Waits(model.Resource("spark-job")));
        Assert.Equal([("namenode", WaitType.WaitUntilStarted)], AppModel.Waits(model.Resource("datanode")));
        var key = Assert.Single(model.Resource("namenode").Annotations.OfType<HealthCheckAnnotation>()).Key;
        using var services = model.Builder.Services.BuildServiceProvider();
        var registration = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Single(r => r.Name == key);
        Assert.IsType<HdfsNameNodeHealthCheck>(registration.Factory(services));
    }

    [Theory]
    [InlineData(1, "Operational", HealthStatus.Healthy)]
    [InlineData(0, "Operational", HealthStatus.Unhealthy)]
    [InlineData(1, "safeMode", HealthStatus.Unhealthy)]
    public async Task The_model_s_check_asks_the_namenode_s_jmx_servlet_for_live_datanodes_and_safe_mode(int liveDataNodes, string fsState, HealthStatus expected)
    {
        await using var namenode = await JmxServer.StartAsync(NameNodeStateJson(liveDataNodes, fsState));
        var model = AppModel.Build().AllocateEndpoints();
        var resource = model.Resource("namenode");
        var web = resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");
        web.AllocatedEndpoint = new AllocatedEndpoint(web, "127.0.0.1", namenode.Port);
        using var services = model.Builder.Services.BuildServiceProvider();
        await model.Builder.Eventing.PublishAsync(new BeforeResourceStartedEvent(resource, services), TestContext.Current.CancellationToken);

        var result = await RunCheckAsync(model, services);

        Assert.Equal(expected, result.Status);
        Assert.Contains($"{liveDataNodes} live datanode(s), {fsState}", result.Description, StringComparison.Ordinal);
        Assert.Equal([HdfsNameNodeHealthCheck.StateQuery], namenode.Requests);
    }

    [Fact]
    public async Task A_namenode_whose_web_server_answers_without_the_state_is_not_healthy()
    {
        await using var namenode = await JmxServer.StartAsync("""{ "beans" : [ ] }""");
        using var check = new HdfsNameNodeHealthCheck(() => new Uri($"http://127.0.0.1:{namenode.Port}"));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("no FSNamesystemState bean", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void The_state_is_read_from_the_bean_among_others_as_hadoop_s_jmx_servlet_writes_it()
    {
        var json = Beans("""{ "name" : "Hadoop:service=NameNode,name=NameNodeInfo", "NumLiveDataNodes" : 9, "FSState" : "Operational" }""", StateBean(2, "safeMode"));

        var state = HdfsNameNodeHealthCheck.State.Parse(json);

        Assert.Equal(new HdfsNameNodeHealthCheck.State(2, "safeMode"), state);
        Assert.False(state.TakesWrites);
        Assert.True((state with { FsState = "Operational" }).TakesWrites);
        Assert.False((state with { FsState = "Operational", LiveDataNodes = 0 }).TakesWrites);
    }

    /// <summary>
    /// The answer to <c>/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState</c> in the shape of apache/hadoop's
    /// <c>JMXJsonServlet.listBeans</c> (pretty-printed: name, modelerType, then one field per attribute of
    /// <c>FSNamesystemMBean</c>; a sample of them here).
    /// </summary>
    private static string NameNodeStateJson(int liveDataNodes, string fsState) => Beans(StateBean(liveDataNodes, fsState));

    private static string Beans(params string[] beans) => $"{{ \"beans\" : [ {string.Join(", ", beans)} ] }}";

    private static string StateBean(int liveDataNodes, string fsState) => $$"""
        {
          "name" : "Hadoop:service=NameNode,name=FSNamesystemState",
          "modelerType" : "org.apache.hadoop.hdfs.server.namenode.FSNamesystem",
          "BlocksTotal" : 0,
          "UnderReplicatedBlocks" : 0,
          "CapacityTotal" : 105089261568,
          "CapacityUsed" : 24576,
          "CapacityRemaining" : 79623340032,
          "TotalLoad" : 0,
          "SnapshotStats" : "{\"SnapshottableDirectories\":0,\"Snapshots\":0}",
          "FilesTotal" : 1,
          "PendingReplicationBlocks" : 0,
          "ScheduledReplicationBlocks" : 0,
          "NumLiveDataNodes" : {{liveDataNodes}},
          "NumDeadDataNodes" : 0,
          "NumDecomLiveDataNodes" : 0,
          "NumStaleDataNodes" : 0,
          "FSState" : "{{fsState}}"
        }
        """;

    private static async Task<HealthReportEntry> RunCheckAsync(AppModel model, IServiceProvider services)
    {
        var key = model.Resource("namenode").Annotations.OfType<HealthCheckAnnotation>().Single().Key;
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == key, TestContext.Current.CancellationToken);
        return report.Entries[key];
    }

    /// <summary>A web server on 127.0.0.1 that answers <c>/jmx</c> with fixed JSON and records what was asked.</summary>
    private sealed class JmxServer(WebApplication app, int port, List<string> requests) : IAsyncDisposable
    {
        public int Port => port;

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (requests)
                {
                    return [.. requests];
                }
            }
        }

        public static async Task<JmxServer> StartAsync(string json)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var requests = new List<string>();
            app.MapGet("/jmx", (HttpContext context) =>
            {
                lock (requests)
                {
                    requests.Add(context.Request.Path + Uri.UnescapeDataString(context.Request.QueryString.Value ?? ""));
                }

                return Results.Text(json, "application/json");
            });
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            return new JmxServer(app, address.Port, requests);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
