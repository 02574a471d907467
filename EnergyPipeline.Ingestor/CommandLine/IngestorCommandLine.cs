using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Settings;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>
/// The verbs on System.CommandLine (help, typed values, errors naming the option); each verb is a small class of its
/// own. <c>--Section:Key=value</c> tokens after <c>ingest</c> go to configuration; any other unknown option is an error.
/// </summary>
internal static class IngestorCommandLine
{
    /// <summary>
    /// What <c>--help</c> prints above System.CommandLine's usage, options and verbs: the default verb, every setting of
    /// ingest and the exit codes. It is the one help text; a usage error prints one line and points here.
    /// </summary>
    public static readonly string Description = $"""
        EnergyPipeline.Ingestor: the UCI household power file to Kafka.
          EnergyPipeline.Ingestor generate --output FILE [--rows N] [--seed S] [--force]
          EnergyPipeline.Ingestor validate --file FILE [--Ingestor:MaxMalformedLines=N]
          EnergyPipeline.Ingestor [ingest] [--file FILE] [--Section:Key=value ...]
        generate writes a synthetic file in the data set's format; validate checks every line of a file and sends
        nothing; ingest, the default verb, sends the file to Kafka. help is --help, also after a verb (ingest --help).
        Malformed lines: a file with more than Ingestor:MaxMalformedLines (default 0) fails ingest and validate; within
        it they are skipped and counted by reason (summary, completion record, pipeline_runs).

        Settings of ingest (environment Section__Key, or --Section:Key=value):
        {IngestorSettings.All.HelpTable()}

        Exit codes: 0 success, 1 failure (more malformed lines than Ingestor:MaxMalformedLines, a file that changed
        while it was read, unreachable Kafka, unwritable output), 2 usage error, 130 (143) generate stopped by Ctrl+C
        (SIGTERM), nothing written under the output's name.
        """;

    /// <summary>The line after a usage error's: where the help is.</summary>
    public const string HelpHint = "Run 'EnergyPipeline.Ingestor --help' for the verbs, their options and the settings.";

    private const string IngestVerb = "ingest";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors)
    {
        // ingest is the default verb; "help" is --help.
        string[] verbArgs = args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("--help" or "-h" or "-?" or ProgramVersion.Option))
            ? [IngestVerb, .. args]
            : args[0] == "help" ? ["--help", .. args[1..]] : args;

        var parser = new IngestorParser();
        var result = parser.Root.Parse(verbArgs, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Action is HelpAction)
        {
            return result.Invoke(new InvocationConfiguration { Output = output, Error = errors });
        }

        if (result.Errors.Count == 0 && result.Action == parser.Version.Action)
        {
            output.WriteLine(ProgramVersion.Of(typeof(IngestorCommandLine).Assembly));
            return ExitCodes.Success;
        }

        try
        {
            if (result.Errors.Count > 0)
            {
                throw new UsageException(result.Errors[0].Message);
            }

            var command = result.CommandResult.Command;
            var options = command.Options
                .Select(o => (o.Name, Result: result.GetResult(o)))
                .Where(o => o.Result is { Implicit: false })
                .Select(o => new KeyValuePair<string, string>(o.Name.TrimStart('-'), o.Result!.Tokens.Count > 0 ? o.Result.Tokens[0].Value : "true"));
            var arguments = new CommandLineArguments(command.Name, options, ConfigurationTokens(command.Name, result.UnmatchedTokens));
            return command.Name switch
            {
                "generate" => GenerateCommand.Run(arguments, output, errors),
                "validate" => ValidateCommand.Run(arguments, output, errors),
                IngestVerb => await IngestCommand.RunAsync(arguments, output, errors),
                _ => throw new UsageException("Name a verb: generate, validate or ingest."),
            };
        }
        catch (UsageException ex)
        {
            errors.WriteLine($"error: {ex.Message}");
            errors.WriteLine(HelpHint);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is HouseholdFormatException or OutputException)
        {
            errors.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// <c>--Section:Key=value</c> and <c>--Section:Key value</c> pass through as configuration; any other unknown token
    /// is named as an error and never takes the next argument with it.
    /// </summary>
    private static List<string> ConfigurationTokens(string verb, IReadOnlyList<string> unmatched)
    {
        var (passthrough, rejected) = ConfigurationArguments.Collect(unmatched);
        return rejected is null
            ? passthrough
            : throw new UsageException(rejected.StartsWith('-') ? $"Unknown option '{rejected}' for '{verb}'." : $"Unexpected argument '{rejected}' for '{verb}'.");
    }

    /// <summary>The command tree: the verbs and their typed options.</summary>
    private sealed class IngestorParser
    {
        public IngestorParser()
        {
            var rows = new Option<long>("--rows") { Description = "Rows to write (default: the full data set's 2,075,259)." };
            rows.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<long>() < 0)
                {
                    r.AddError("Option --rows must be a non-negative integer.");
                }
            });
            var generate = new Command("generate", "Write a deterministic synthetic file in the data set's exact format.")
            {
                new Option<string>("--output") { Description = "The file to write.", Required = true },
                rows,
                new Option<ulong>("--seed") { Description = string.Create(CultureInfo.InvariantCulture, $"Seed of the generator (default {Generation.SyntheticHouseholdFile.DefaultSeed}).") },
                new Option<bool>("--force") { Description = "Overwrite an existing file." },
            };
            var validate = new Command("validate",
                "Parse and check every line of a file; send nothing (exit code 1 when more lines are malformed than Ingestor:MaxMalformedLines, default 0: --Ingestor:MaxMalformedLines=N).")
            {
                new Option<string>("--file") { Description = "The file to check.", Required = true },
            };
            var ingest = new Command(IngestVerb, "Send the file to the Kafka topic raw_energy (ConnectionStrings:kafka). Other settings: --Section:Key=value.")
            {
                new Option<string>("--file") { Description = "The file to ingest (default: the UCI data set in the data directory)." },
            };
            ingest.TreatUnmatchedTokensAsErrors = false;
            validate.TreatUnmatchedTokensAsErrors = false;
            Root = new RootCommand(Description) { generate, validate, ingest };
            Version = Root.Options.OfType<VersionOption>().Single();
        }

        public RootCommand Root { get; }

        /// <summary>The root's --version: its own action would print the version of whichever program hosts the parser.</summary>
        public VersionOption Version { get; }
    }
}
