using System.Diagnostics;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>Runs a short command to its end; a non-zero exit is an error that carries the command's own message.</summary>
internal static class ProcessRunner
{
    /// <returns>What the command printed on standard output.</returns>
    /// <param name="standardInput">Written to the command's standard input, which is then closed; none when null.</param>
    /// <remarks>Cancelled or past <paramref name="timeout"/>, the command is killed: nothing it started is left behind.</remarks>
    public static async Task<string> RunAsync(
        string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, string? standardInput = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        // A server started by the command may hold the pipes: read them only once the command itself has ended.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            var output = $"{await Completed(stderr).ConfigureAwait(false)} {await Completed(stdout).ConfigureAwait(false)}".Trim();
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        }

        return await Completed(stdout).ConfigureAwait(false);
    }

    private static async Task<string> Completed(Task<string> output) =>
        await Task.WhenAny(output, Task.Delay(1000)).ConfigureAwait(false) == output ? await output.ConfigureAwait(false) : "";
}
