using System.Diagnostics;
using EnergyPipeline.Ingestor.Generation;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary><c>generate --output FILE [--rows N] [--seed S] [--force]</c>: an existing file is overwritten only with --force.</summary>
internal static class GenerateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "output", "rows", "seed", "force" };

    public static int Run(CommandLineArguments args, TextWriter output)
    {
        args.RejectPassthrough();
        var path = args.Get("output") ?? throw new UsageException("generate needs --output FILE.");
        var rows = args.GetInt64("rows") ?? SyntheticHouseholdFile.FullRowCount;
        var seed = (ulong)(args.GetInt64("seed") ?? (long)SyntheticHouseholdFile.DefaultSeed);
        if (Directory.Exists(path))
        {
            throw new OutputException($"--output '{path}' is a directory; give the path of the file to write.");
        }

        if (File.Exists(path) && !args.Has("force"))
        {
            throw new UsageException($"--output '{path}' exists; add --force to overwrite it.");
        }

        var clock = Stopwatch.StartNew();
        GeneratedFileFacts facts;
        try
        {
            facts = SyntheticHouseholdFile.WriteFile(path, rows, seed);
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
}

/// <summary>The output cannot be written (a directory, no permission, disk full): exit code 1, one line.</summary>
internal sealed class OutputException(string message) : Exception(message);
