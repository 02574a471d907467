using System.Diagnostics;
using EnergyPipeline.Ingestor.Generation;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary><c>generate --output FILE [--rows N] [--seed S]</c></summary>
internal static class GenerateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "output", "rows", "seed" };

    public static int Run(CommandLineArguments args, TextWriter output)
    {
        args.RejectPassthrough();
        var path = args.Get("output") ?? throw new UsageException("generate needs --output FILE.");
        var rows = args.GetInt64("rows") ?? SyntheticHouseholdFile.FullRowCount;
        var seed = (ulong)(args.GetInt64("seed") ?? (long)SyntheticHouseholdFile.DefaultSeed);
        var clock = Stopwatch.StartNew();
        var facts = SyntheticHouseholdFile.WriteFile(path, rows, seed);
        output.WriteLine(
            $"generated {path}: {facts.Rows:N0} rows ({facts.MissingValueRows:N0} missing-value rows), " +
            $"{facts.FirstTimestamp:yyyy-MM-dd HH:mm} to {facts.LastTimestamp:yyyy-MM-dd HH:mm}, {facts.Bytes:N0} bytes, {clock.Elapsed.TotalSeconds:F2} s");
        return ExitCodes.Success;
    }
}
