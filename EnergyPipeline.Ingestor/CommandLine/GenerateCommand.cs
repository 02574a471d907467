using System.Diagnostics;
using System.Runtime.InteropServices;
using EnergyPipeline.Ingestor.Generation;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>
/// <c>generate --output FILE [--rows N] [--seed S] [--force]</c>: an existing file is overwritten only with --force.
/// The file gets its name only once complete; Ctrl+C (or SIGTERM) stops the writing with one line, leaving no partial
/// file under the name.
/// </summary>
internal static class GenerateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "output", "rows", "seed", "force" };

    public static int Run(CommandLineArguments args, TextWriter output, TextWriter errors)
    {
        args.RejectPassthrough();
        var path = args.Get("output") ?? throw new UsageException("generate needs --output FILE.");
        var rows = args.GetInt64("rows") ?? SyntheticHouseholdFile.FullRowCount;
        var seed = (ulong)(args.GetInt64("seed") ?? (long)SyntheticHouseholdFile.DefaultSeed);
        if (Directory.Exists(path))
        {
            throw new OutputException($"--output '{path}' is a directory; give the path of the file to write.");
        }

        var existed = File.Exists(path);
        if (existed && !args.Has("force"))
        {
            throw new UsageException($"--output '{path}' exists; add --force to overwrite it.");
        }

        var clock = Stopwatch.StartNew();
        using var interrupt = new Interrupt();
        GeneratedFileFacts facts;
        try
        {
            facts = SyntheticHouseholdFile.WriteFileAtomically(path, rows, seed, interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.Signal is { } signal)
        {
            var name = signal == PosixSignal.SIGINT ? "Ctrl+C" : signal.ToString();
            errors.WriteLine(existed ? $"Stopped by {name}: '{path}' is left as it was." : $"Stopped by {name}: '{path}' was not written.");
            return signal == PosixSignal.SIGINT ? ExitCodes.InterruptedByCtrlC : ExitCodes.InterruptedBySigterm;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new OutputException($"cannot write --output '{path}': {ex.Message}");
        }

        output.WriteLine(
            $"generated {path}: {facts.Rows:N0} rows ({facts.MissingValueRows:N0} missing-value rows), " +
            $"{facts.FirstTimestamp:yyyy-MM-dd HH:mm} to {facts.LastTimestamp:yyyy-MM-dd HH:mm}, {facts.Bytes:N0} bytes, {clock.Elapsed.TotalSeconds:F2} s");
        return ExitCodes.Success;
    }

    /// <summary>Ctrl+C and SIGTERM while the file is written: the writing stops instead of the process.</summary>
    private sealed class Interrupt : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private readonly PosixSignalRegistration[] _registrations;
        private PosixSignal? _signal;

        public Interrupt()
        {
            _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
        }

        public CancellationToken Token => _cancellation.Token;

        public PosixSignal? Signal => _signal;

        public void Dispose()
        {
            foreach (var registration in _registrations)
            {
                registration.Dispose();
            }

            _cancellation.Dispose();
        }

        private void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            _signal ??= context.Signal;
            _cancellation.Cancel();
        }
    }
}

/// <summary>The output cannot be written (a directory, no permission, disk full): exit code 1, one line.</summary>
internal sealed class OutputException(string message) : Exception(message);
