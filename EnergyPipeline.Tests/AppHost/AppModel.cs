using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// Builds the AppHost's model without starting it (no DCP, no dashboard, no containers), and evaluates what a
/// resource would be started with, with fake allocated endpoints standing in for run-mode ports.
/// </summary>
public sealed class AppModel
{
    private AppModel(IDistributedApplicationBuilder builder) => Builder = builder;

    public IDistributedApplicationBuilder Builder { get; }

    public static AppModel Build(params string[] args)
    {
        // A run-mode parameter without a value waits for someone to type it on the dashboard, and a generated one is
        // written to the user secrets: give each one.
        string[] passwords =
        [
            $"--Parameters:postgres-password={Guid.NewGuid():N}",
            $"--Parameters:grafana-admin-password={Guid.NewGuid():N}",
            $"--Parameters:grafana-reader-password={Guid.NewGuid():N}",
            $"--Parameters:pgweb-reader-password={Guid.NewGuid():N}",
            $"--Parameters:completion-key={Guid.NewGuid():N}{Guid.NewGuid():N}",
        ];
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [.. passwords, .. args],
            DisableDashboard = true,
        });
        EnergyPipelineModel.Build(builder, PipelineShape.Resolve(builder.Configuration, builder.ExecutionContext.IsRunMode));
        return new AppModel(builder);
    }

    public IResource Resource(string name) =>
        Builder.Resources.SingleOrDefault(r => r.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"No resource '{name}'; the model has {string.Join(", ", Names)}.");

    public T Resource<T>(string name) where T : IResource => Assert.IsType<T>(Resource(name), exactMatch: false);

    /// <summary>The resources a user sees (Aspire adds hidden rebuilder resources for projects).</summary>
    public IEnumerable<string> Names => Builder.Resources.Select(r => r.Name).Where(n => !n.EndsWith("-rebuilder", StringComparison.Ordinal));

    /// <summary>Gives every endpoint of every resource a fake allocated address, as DCP would in run mode.</summary>
    public AppModel AllocateEndpoints(int firstPort = 41000)
    {
        var port = firstPort;
        foreach (var endpoint in Builder.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", port++);
        }

        return this;
    }

    public static int AllocatedPort(IResource resource, string endpointName) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == endpointName).AllocatedEndpoint!.Port;

    /// <summary>The environment variables the resource would be started with in run mode.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(IResource resource)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var result = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance, timeout.Token);
        if (result.Exception is { } exception)
        {
            throw exception;
        }

        return result.EnvironmentVariables.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>The command-line arguments the resource would be started with in run mode (for a container: its CMD).</summary>
    public static async Task<IReadOnlyList<string>> ArgumentsAsync(IResource resource)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var result = await ExecutionConfigurationBuilder.Create(resource)
            .WithArgumentsConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance, timeout.Token);
        if (result.Exception is { } exception)
        {
            throw exception;
        }

        return result.Arguments.Select(a => a.Value).ToList();
    }

    /// <summary>
    /// The links the dashboard would show for the resource: one per allocated endpoint, as Aspire starts them, then
    /// every URL callback of the resource applied (display texts, extra links). Call <see cref="AllocateEndpoints"/> first.
    /// </summary>
    public static async Task<IReadOnlyList<ResourceUrlAnnotation>> UrlsAsync(IResource resource)
    {
        var urls = resource.Annotations.OfType<EndpointAnnotation>()
            .Select(e => new ResourceUrlAnnotation { Url = e.AllocatedEndpoint!.UriString, Endpoint = new EndpointReference((IResourceWithEndpoints)resource, e) })
            .ToList();
        var context = new ResourceUrlsCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, urls, TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<ResourceUrlsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return urls;
    }

    public static IReadOnlyList<(string Resource, WaitType Type)> Waits(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(w => (w.Resource.Name, w.WaitType)).ToList();
}
