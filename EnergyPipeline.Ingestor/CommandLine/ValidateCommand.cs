using System.Diagnostics;
using System.Globalization;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Summaries;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary><c>validate --file FILE</c>: parse and check every line, send nothing; exit 1 when lines are malformed.</summary>
internal static class ValidateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "file" };

    public static int Run(CommandLineArguments args, TextWriter output, TextWriter errors)
    {
        args.RejectPassthrough();
        var path = args.Get("file") ?? throw new UsageException("validate needs --file FILE.");
        if (Data.DataFileCheck.WhyNotAFile(path) is { } problem)
        {
            throw new UsageException($"validate --file: {problem}.");
        }

        Data.DataFileCheck.CheckContent(path);

        var clock = Stopwatch.StartNew();
        var parse = HouseholdFileReader.ValidateFile(path, Environment.ProcessorCount);
        var summary = parse.Malformed == 0
            ? RunSummary.From("validate", path, parse, sent: 0, clock.Elapsed, SummaryStatus.Succeeded)
            : RunSummary.From("validate", path, parse, sent: 0, clock.Elapsed, SummaryStatus.Failed,
                error: string.Create(CultureInfo.InvariantCulture, $"malformed lines: {parse.Malformed:N0} of {parse.DataLines:N0}; the first: {parse.MalformedSample[0]}"));
        foreach (var line in parse.MalformedSample)
        {
            errors.WriteLine($"malformed {line}");
        }

        output.Write(summary.ToText());
        output.WriteLine(summary.ToJson());
        return parse.Malformed == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C (SIGINT): 128 + 2, as shells report it.</summary>
    public const int InterruptedByCtrlC = 130;

    /// <summary>Stopped by SIGTERM: 128 + 15.</summary>
    public const int InterruptedBySigterm = 143;
}
