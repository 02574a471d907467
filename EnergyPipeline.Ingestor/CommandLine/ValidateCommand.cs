using System.Diagnostics;
using System.Globalization;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Summaries;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>
/// <c>validate --file FILE</c>: parse and check every line, send nothing; exit 1 when more lines are malformed than
/// <c>Ingestor:MaxMalformedLines</c> allows (the limit ingest applies, read from the same configuration).
/// </summary>
internal static class ValidateCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "file" };

    public static int Run(CommandLineArguments args, TextWriter output, TextWriter errors)
    {
        var limit = MaxMalformedLines(args);
        var path = args.Get("file") ?? throw new UsageException("validate needs --file FILE.");
        if (Data.DataFileCheck.WhyNotAFile(path) is { } notAFile)
        {
            throw new UsageException($"validate --file: {notAFile}.");
        }

        Data.DataFileCheck.CheckContent(path);

        var clock = Stopwatch.StartNew();
        var parse = HouseholdFileReader.ValidateFile(path, Environment.ProcessorCount);
        var problem = MalformedLinePolicy.Problem(path, parse, limit);
        var summary = RunSummary.From("validate", path, parse, sent: 0, clock.Elapsed, problem is null ? SummaryStatus.Succeeded : SummaryStatus.Failed, error: problem);
        foreach (var line in parse.MalformedSample)
        {
            errors.WriteLine($"malformed {line}");
        }

        output.Write(summary.ToText());
        output.WriteLine(summary.ToJson());
        return problem is null ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary><c>Ingestor:MaxMalformedLines</c> from <c>--Ingestor:MaxMalformedLines=N</c> or the environment; validate takes no other setting.</summary>
    private static long MaxMalformedLines(CommandLineArguments args)
    {
        var key = $"{Configuration.IngestorOptions.Section}:{nameof(Configuration.IngestorOptions.MaxMalformedLines)}";
        var commandLine = new ConfigurationBuilder().AddCommandLine([.. args.Passthrough]).Build();
        if (commandLine.AsEnumerable().FirstOrDefault(s => s.Value is not null && !key.Equals(s.Key, StringComparison.OrdinalIgnoreCase)) is { Key: { } other })
        {
            throw new UsageException($"Unknown option '--{other}' for 'validate': it takes --file and --{key}=N.");
        }

        var text = commandLine[key] ?? new ConfigurationBuilder().AddEnvironmentVariables().Build()[key];
        return text is null ? 0
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
                ? limit
                : throw new UsageException($"{key} must be a whole number of lines (0 or more), not '{text}'.");
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
