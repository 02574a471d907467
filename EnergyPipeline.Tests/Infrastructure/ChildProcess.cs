using System.Diagnostics;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Runs a command as a separate process, the way a user's shell would, and returns what it printed.</summary>
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
    public static Task<Result> RunProjectAsync(string project, TimeSpan timeout, params IEnumerable<string> arguments) =>
        StartProject(project, arguments).WaitAsync(timeout);

    /// <summary>Starts <c>dotnet PROJECT.dll ARGS</c> and leaves it running: the test may pause, resume or kill it.</summary>
    public static Running StartProject(string project, params IEnumerable<string> arguments)
    {
        var directory = ProjectOutput(project);
        return Start("dotnet", [Path.Combine(directory, project + ".dll"), .. arguments], directory);
    }

    /// <summary>Runs the command to its end; past <paramref name="timeout"/> it is killed (its whole tree) and the test fails.</summary>
    public static Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null) =>
        Start(fileName, arguments, workingDirectory).WaitAsync(timeout);

    private static Running Start(string fileName, IEnumerable<string> arguments, string? workingDirectory)
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

        return new Running(Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}"), $"{fileName} {string.Join(' ', start.ArgumentList)}");
    }

    /// <summary>A started child process, its output collected while it runs; disposing kills it if it still runs.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly string _command;
        private readonly Task<string> _output;
        private readonly Task<string> _errors;

        internal Running(Process process, string command)
        {
            _process = process;
            _command = command;
            _output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            _errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        }

        public bool HasExited => _process.HasExited;

        /// <summary>Freezes the process (SIGSTOP), as a debugger or an overloaded host would.</summary>
        public void Pause() => Signal("STOP");

        /// <summary>Lets a paused process go on (SIGCONT).</summary>
        public void Resume() => Signal("CONT");

        /// <summary>Ends the process at once, whatever it is doing (SIGKILL on Linux): nothing of it runs after this.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            KilledProcessFiles.Remove(_process.Id);
        }

        /// <summary>Waits for the end; past <paramref name="timeout"/> the process is killed (its whole tree) and the test fails.</summary>
        public async Task<Result> WaitAsync(TimeSpan timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{_command} did not end within {timeout.TotalSeconds:0} s.");
            }

            return new Result(_process.ExitCode, await _output, await _errors);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        /// <summary>Sends a POSIX signal with the system's kill command.</summary>
        private void Signal(string signal)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
            kill.WaitForExit();
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -s {signal} {_process.Id} failed (exit code {kill.ExitCode})");
            }
        }
    }
}
