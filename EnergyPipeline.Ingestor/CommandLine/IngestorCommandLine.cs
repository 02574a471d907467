using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>Dispatches the verbs; each verb is a small class of its own.</summary>
internal static class IngestorCommandLine
{
    public const string Usage = """
        Usage:
          EnergyPipeline.Ingestor generate --output FILE [--rows N] [--seed S] [--force]
          EnergyPipeline.Ingestor validate --file FILE
          EnergyPipeline.Ingestor [ingest] [--file FILE] [--Section:Key=value ...]
          EnergyPipeline.Ingestor help | --help | -h      (also after a verb: ingest --help)
        generate writes a synthetic file in the data set's format (full size by default); it overwrites an existing
        file only with --force. validate parses and checks every line and sends nothing. ingest is the default verb.
        Configuration: section "Ingestor" (File, DataDirectory, Topic, Partitions, ConnectTimeout (seconds, 15),
        DownloadUrl, ...) and ConnectionStrings:kafka (host:port).
        Exit codes: 0 success, 1 failure (malformed lines, unreachable Kafka, unwritable output), 2 usage error.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?") || (args.Length > 0 && args[0] == "help"))
        {
            output.WriteLine(Usage);
            return ExitCodes.Success;
        }

        try
        {
            var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0].ToLowerInvariant() : CommandLineArguments.DefaultVerb;
            switch (verb)
            {
                case "generate":
                    return GenerateCommand.Run(CommandLineArguments.Parse(args, GenerateCommand.Options), output);
                case "validate":
                    return ValidateCommand.Run(CommandLineArguments.Parse(args, ValidateCommand.Options), output, errors);
                case "ingest":
                    return await IngestCommand.RunAsync(CommandLineArguments.Parse(args, IngestCommand.Options), output, errors);
                default:
                    throw new UsageException($"Unknown verb '{verb}'.");
            }
        }
        catch (UsageException ex)
        {
            errors.WriteLine($"error: {ex.Message}");
            errors.WriteLine(Usage);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is HouseholdFormatException or OutputException)
        {
            errors.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
