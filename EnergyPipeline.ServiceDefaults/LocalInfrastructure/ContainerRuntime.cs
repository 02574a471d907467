using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.LocalInfrastructure;

/// <summary>
/// The container runtime Aspire (and Testcontainers) would use, and whether it answers: the AppHost chooses its
/// infrastructure by it, the tests whether PostgreSQL can run in a container.
/// </summary>
public static class ContainerRuntime
{
    public const string Setting = "ASPIRE_CONTAINER_RUNTIME";
    public const string Default = "docker";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The runtime Aspire will use: ASPIRE_CONTAINER_RUNTIME (or its DOTNET_ spelling), else docker.</summary>
    public static string Name(IConfiguration configuration) =>
        configuration[Setting] ?? configuration["DOTNET_" + Setting] ?? Default;

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
