using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>Dispatches the verbs; each verb is a small class of its own.</summary>
internal static class IngestorCommandLine
{
    public const string Usage = """
        Usage:
          EnergyPipeline.Ingestor generate --output FILE [--rows N] [--seed S]
          EnergyPipeline.Ingestor validate --file FILE
          EnergyPipeline.Ingestor [ingest] [--file FILE] [--Section:Key=value ...]
        ingest is the default verb. Configuration: section "Ingestor" (File, DataDirectory, Topic, Partitions,
        DownloadUrl, ...) and ConnectionStrings:kafka (host:port).
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors)
    {
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
                case "help":
                    output.WriteLine(Usage);
                    return ExitCodes.Success;
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
        catch (HouseholdFormatException ex)
        {
            errors.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
