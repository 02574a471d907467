using System.Diagnostics;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>Runs a short command to its end; a non-zero exit is an error that carries the command's own message.</summary>
internal static class ProcessRunner
{
    public static async Task RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        // A server started by the command may hold the pipes: read them only once the command itself has ended.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var output = $"{await Completed(stderr).ConfigureAwait(false)} {await Completed(stdout).ConfigureAwait(false)}".Trim();
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        }
    }

    private static async Task<string> Completed(Task<string> output) =>
        await Task.WhenAny(output, Task.Delay(1000)).ConfigureAwait(false) == output ? await output.ConfigureAwait(false) : "";
}
