using System.Diagnostics;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Runs a command to its end as a separate process, the way a user's shell would, and returns what it printed.</summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>
    /// The build output of another project of the solution, same configuration and framework as the tests: its own
    /// dependencies, not the test host's.
    /// </summary>
    public static string ProjectOutput(string project) =>
        AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar).Replace(
            $"{Path.DirectorySeparatorChar}EnergyPipeline.Tests{Path.DirectorySeparatorChar}",
            $"{Path.DirectorySeparatorChar}{project}{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    /// <summary>Runs <c>dotnet PROJECT.dll ARGS</c> from the project's build output (<see cref="ProjectOutput"/>).</summary>
    public static Task<Result> RunProjectAsync(string project, TimeSpan timeout, params IEnumerable<string> arguments)
    {
        var directory = ProjectOutput(project);
        return RunAsync("dotnet", [Path.Combine(directory, project + ".dll"), .. arguments], timeout, directory);
    }

    /// <summary>Runs the command to its end; past <paramref name="timeout"/> it is killed (its whole tree) and the test fails.</summary>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var cancellation = TestContext.Current.CancellationToken;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var errors = process.StandardError.ReadToEndAsync(cancellation);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not end within {timeout.TotalSeconds:0} s.");
        }

        return new Result(process.ExitCode, await output, await errors);
    }
}
