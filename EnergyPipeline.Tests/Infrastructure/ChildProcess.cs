using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// Runs a command as a separate process, the way a user's shell would: to its end, returning what it printed, or
/// started and left running (<see cref="StartProject(string, IEnumerable{string})"/>) to be watched line by line,
/// sent signals, paused or killed.
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
    public static Task<Result> RunProjectAsync(string project, TimeSpan timeout, params IEnumerable<string> arguments) =>
        StartProject(project, arguments).WaitAsync(timeout);

    /// <summary>Starts <c>dotnet PROJECT.dll ARGS</c> and leaves it running: the test may signal, pause, resume or kill it.</summary>
    public static Running StartProject(string project, params IEnumerable<string> arguments) =>
        StartProject(project, new Dictionary<string, string>(), arguments);

    /// <summary>Starts <c>dotnet PROJECT.dll ARGS</c> with extra environment variables, and leaves it running.</summary>
    public static Running StartProject(string project, IReadOnlyDictionary<string, string> environment, params IEnumerable<string> arguments)
    {
        var directory = ProjectOutput(project);
        return Start("dotnet", [Path.Combine(directory, project + ".dll"), .. arguments], directory, environment);
    }

    /// <summary>Starts the command and leaves it running (a server); disposing the result kills it if it still runs.</summary>
    public static Running Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null) =>
        Start(fileName, arguments, workingDirectory, new Dictionary<string, string>());

    /// <summary>Runs the command to its end; past <paramref name="timeout"/> it is killed (its whole tree) and the test fails.</summary>
    public static Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null) =>
        Start(fileName, arguments, workingDirectory, new Dictionary<string, string>()).WaitAsync(timeout);

    private static Running Start(string fileName, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (InterruptIgnored())
        {
            // This process ignores SIGINT (a background job of a non-interactive shell does), and an ignored signal stays
            // ignored in every process it starts: the .NET runtime there then takes no Ctrl+C. GNU env gives it back its default.
            start.FileName = "env";
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(fileName);
        }

        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new Running(Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}"), $"{fileName} {string.Join(' ', start.ArgumentList)}");
    }

    /// <summary>Whether this process ignores SIGINT (bit 2 of <c>SigIgn</c> in <c>/proc/self/status</c>).</summary>
    private static bool InterruptIgnored()
    {
        var ignored = File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
            : null;
        return ignored is not null
            && (ulong.Parse(ignored["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0x2) != 0;
    }

    /// <summary>A started child process, its output collected as it comes while it runs; disposing kills it if it still runs.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly string _command;
        private readonly Lock _gate = new();
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _errors = new();
        private readonly Task _reading;

        internal Running(Process process, string command)
        {
            _process = process;
            _command = command;
            _reading = Task.WhenAll(ReadAsync(process.StandardOutput, _output), ReadAsync(process.StandardError, _errors));
        }

        public int Id => _process.Id;

        public bool HasExited => _process.HasExited;

        /// <summary>Standard output so far.</summary>
        public string Output => Text(_output);

        /// <summary>Standard error so far.</summary>
        public string Errors => Text(_errors);

        /// <summary>Freezes the process (SIGSTOP), as a debugger or an overloaded host would.</summary>
        public void Pause() => Signal("STOP");

        /// <summary>Lets a paused process go on (SIGCONT).</summary>
        public void Resume() => Signal("CONT");

        /// <summary>Sends SIGINT, as a terminal's Ctrl+C does, or SIGTERM, as a service manager's stop does.</summary>
        public void Signal(PosixSignal signal) => Signal(signal switch
        {
            PosixSignal.SIGINT => "INT",
            PosixSignal.SIGTERM => "TERM",
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "SIGINT or SIGTERM"),
        });

        /// <summary>Ends the process at once, whatever it is doing (SIGKILL on Linux): nothing of it runs after this.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            KilledProcessFiles.Remove(_process.Id);
        }

        /// <summary>Waits for a line of standard output that contains <paramref name="text"/>; returns it.</summary>
        public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(timeout);
            while (true)
            {
                if (Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                {
                    return line;
                }

                if (_process.HasExited && _reading.IsCompleted)
                {
                    throw new Xunit.Sdk.XunitException($"{_command} ended (exit code {_process.ExitCode}) without printing '{text}'. Output:\n{Output}\nErrors:\n{Errors}");
                }

                try
                {
                    await Task.Delay(50, deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"{_command} printed no line with '{text}' within {timeout.TotalSeconds:0} s. Output:\n{Output}\nErrors:\n{Errors}");
                }
            }
        }

        /// <summary>Waits for the end; past <paramref name="timeout"/> the process is killed (its whole tree) and the test fails.</summary>
        public async Task<Result> WaitAsync(TimeSpan timeout)
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
                throw new TimeoutException($"{_command} did not end within {timeout.TotalSeconds:0} s. Output:\n{Output}\nErrors:\n{Errors}");
            }

            return new Result(_process.ExitCode, Output, Errors);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private string Text(StringBuilder text)
        {
            lock (_gate)
            {
                return text.ToString();
            }
        }

        private async Task ReadAsync(StreamReader reader, StringBuilder text)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                lock (_gate)
                {
                    text.Append(buffer, 0, read);
                }
            }
        }

        /// <summary>Sends a POSIX signal with the system's kill command.</summary>
        private void Signal(string signal)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, _process.Id.ToString(CultureInfo.InvariantCulture)]))!;
            kill.WaitForExit();
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -s {signal} {_process.Id} failed (exit code {kill.ExitCode})");
            }
        }
    }
}
