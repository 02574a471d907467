using System.CommandLine;
using System.CommandLine.Help;
using EnergyPipeline.Settings;

namespace EnergyPipeline.SparkJob;

/// <summary>
/// The job's command line on System.CommandLine: <c>--engine</c>, <c>--topic</c>, help; <c>--Section:Key=value</c>
/// passes to configuration (the host reads the same arguments), any other option is named as unknown.
/// </summary>
public static class JobCommandLine
{
    public static readonly string Usage = $"""
        Reads the Kafka topic (raw_energy), de-duplicates and checks every reading, and replaces the quarterly figures in
        PostgreSQL (table quarterly_energy_data) in one transaction. Prints one JSON summary line, also on failure.

        Settings (environment Section__Key, or --Section:Key=value):
        {JobSettings.All.HelpTable()}

        Exit codes: 0 succeeded, 1 failed (the old figures stay), 2 configuration error (also: a completion key on one side only).
        """;

    /// <summary>
    /// What the command line asks for: help or the version (printed to <paramref name="output"/>: <c>Answered</c>), an
    /// error, or a run.
    /// </summary>
    public static (bool Answered, string? Error) Check(IReadOnlyList<string> args, TextWriter output)
    {
        IReadOnlyList<string> verbArgs = args.Count > 0 && args[0] == "help" ? ["--help"] : args;
        var root = new RootCommand(Usage)
        {
            new Option<string>("--engine") { Description = "spark or local (Pipeline:Engine)." },
            new Option<string>("--topic") { Description = "The topic to read (Pipeline:Topic)." },
        };
        root.TreatUnmatchedTokensAsErrors = false;
        var result = root.Parse(verbArgs, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Action is HelpAction)
        {
            result.Invoke(new InvocationConfiguration { Output = output, Error = output });
            return (true, null);
        }

        // The root's own --version action would print the version of whichever program hosts the parser.
        if (result.Errors.Count == 0 && result.Action == root.Options.OfType<VersionOption>().Single().Action)
        {
            output.WriteLine(ProgramVersion.Of(typeof(JobCommandLine).Assembly));
            return (true, null);
        }

        if (result.Errors.Count > 0)
        {
            return (false, result.Errors[0].Message);
        }

        return ConfigurationArguments.Collect(result.UnmatchedTokens).Rejected is { } token
            ? (false, $"Unknown option '{token}': use --engine, --topic or --Section:Key=value (--help lists the settings).")
            : (false, null);
    }
}
