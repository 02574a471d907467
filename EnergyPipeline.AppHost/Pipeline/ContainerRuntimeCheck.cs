using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Tells, before anything starts, whether the model needs containers that no runtime can run. Without this the
/// AppHost waits forever for containers that stay in RuntimeUnhealthy.
/// </summary>
public static class ContainerRuntimeCheck
{
    public const string RuntimeSetting = "ASPIRE_CONTAINER_RUNTIME";
    public const string DefaultRuntime = "docker";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The runtime Aspire will use: ASPIRE_CONTAINER_RUNTIME (or its DOTNET_ spelling), else docker.</summary>
    public static string RuntimeName(IConfiguration configuration) =>
        configuration[RuntimeSetting] ?? configuration["DOTNET_" + RuntimeSetting] ?? DefaultRuntime;

    /// <summary>A message naming both remedies when containers are needed and the runtime does not answer; otherwise null.</summary>
    public static async Task<string?> FindProblemAsync(DistributedApplicationModel model, IConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var containers = model.Resources.OfType<ContainerResource>().Select(r => r.Name).ToList();
        if (containers.Count == 0)
        {
            return null;
        }

        var runtime = RuntimeName(configuration);
        var failure = await ProbeAsync(runtime, cancellationToken).ConfigureAwait(false);
        return failure is null
            ? null
            : $"""
               No container runtime answers ({runtime}: {failure}), and this model needs containers: {string.Join(", ", containers)}.
               Either start Docker or Podman (set ASPIRE_CONTAINER_RUNTIME=podman for Podman),
               or point the pipeline at existing services and run it without containers, for example:
                 dotnet run --project EnergyPipeline.AppHost -- --ConnectionStrings:kafka=HOST:9092 --ConnectionStrings:energy_db="Host=...;Database=energy_db;Username=...;Password=..." --Pipeline:Engine=local
               (ConnectionStrings:spark=sc://HOST:15002 and ConnectionStrings:hdfs=hdfs://HOST:8020 replace Spark and HDFS for the spark engine.)
               """;
    }

    /// <summary>Asks the runtime's CLI for its server version; null when the engine answers, else why not.</summary>
    public static async Task<string?> ProbeAsync(string runtime, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(runtime)
        {
            ArgumentList = { "info", "--format", "{{.ServerVersion}}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode == 0 && !string.IsNullOrWhiteSpace(await stdout.ConfigureAwait(false)))
            {
                return null;
            }

            var error = (await stderr.ConfigureAwait(false)).Trim();
            return error.Length > 0 ? error.Split('\n')[0] : $"'{runtime} info' exited with {process.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"'{runtime}' is not installed";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"'{runtime} info' did not answer within {ProbeTimeout.TotalSeconds:0} s";
        }
    }
}
