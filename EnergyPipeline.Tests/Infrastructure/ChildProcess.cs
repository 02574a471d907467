using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// Runs a command as a separate process, the way a user's shell would: to its end, returning what it printed, or
/// started (<see cref="StartProject"/>) to be watched line by line and sent signals.
/// </summary>
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

    /// <summary>Starts <c>dotnet PROJECT.dll ARGS</c> from the project's build output with extra environment variables.</summary>
    public static Running StartProject(string project, IReadOnlyDictionary<string, string> environment, params IEnumerable<string> arguments)
    {
        var directory = ProjectOutput(project);
        var start = new ProcessStartInfo(InterruptIgnored() ? "env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        if (start.FileName == "env")
        {
            // This process ignores SIGINT (a background job of a non-interactive shell does), and an ignored signal stays
            // ignored in every process it starts: the .NET runtime then takes no Ctrl+C. GNU env gives it back its default.
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(directory, project + ".dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new Running(Process.Start(start) ?? throw new InvalidOperationException($"could not start {project}"));
    }

    /// <summary>A process that runs while the test watches its output and sends it signals.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly Lock _gate = new();
        private readonly List<string> _output = [];
        private readonly List<string> _errors = [];
        private readonly Task _reading;

        public Running(Process process)
        {
            _process = process;
            _reading = Task.WhenAll(ReadAsync(process.StandardOutput, _output), ReadAsync(process.StandardError, _errors));
        }

        public int Id => _process.Id;

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return string.Join('\n', _output);
                }
            }
        }

        public string Errors
        {
            get
            {
                lock (_gate)
                {
                    return string.Join('\n', _errors);
                }
            }
        }

        /// <summary>Waits for a line of standard output that contains <paramref name="text"/>; returns it.</summary>
        public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(timeout);
            while (true)
            {
                lock (_gate)
                {
                    if (_output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                    {
                        return line;
                    }
                }

                if (_process.HasExited && _reading.IsCompleted)
                {
                    throw new Xunit.Sdk.XunitException($"The process ended (exit code {_process.ExitCode}) without printing '{text}'. Output:\n{Output}\nErrors:\n{Errors}");
                }

                try
                {
                    await Task.Delay(50, deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"No line with '{text}' within {timeout.TotalSeconds:0} s. Output:\n{Output}\nErrors:\n{Errors}");
                }
            }
        }

        /// <summary>Sends a signal, as a terminal's Ctrl+C (SIGINT) or a service manager's stop (SIGTERM) does.</summary>
        public void Signal(PosixSignal signal) => Send(Id, signal);

        /// <summary>Waits for the process to end (and for its output to be read); past <paramref name="timeout"/> it is killed and the test fails.</summary>
        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
                await _reading.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"The process did not end within {timeout.TotalSeconds:0} s. Output:\n{Output}\nErrors:\n{Errors}");
            }

            return _process.ExitCode;
        }

        /// <summary>A process still running at the end of the test (a failed one) is killed with its tree.</summary>
        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private async Task ReadAsync(StreamReader reader, List<string> lines)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_gate)
                {
                    lines.Add(line);
                }
            }
        }
    }

    /// <summary>Whether this process ignores SIGINT (bit 2 of <c>SigIgn</c> in <c>/proc/self/status</c>).</summary>
    private static bool InterruptIgnored()
    {
        var ignored = File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
            : null;
        return ignored is not null
            && (ulong.Parse(ignored["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & 0x2) != 0;
    }

    /// <summary>Sends <paramref name="signal"/> to a process (kill(2)); .NET sends none but SIGKILL itself.</summary>
    public static void Send(int processId, PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "SIGINT or SIGTERM"),
        };
        if (Kill(processId, number) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {number}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
