namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary><c>ingest [--file FILE]</c>: parse and send to Kafka under the generic host.</summary>
internal static class IngestCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "file" };

    public static Task<int> RunAsync(CommandLineArguments args, TextWriter output, TextWriter errors)
    {
        _ = args;
        _ = output;
        errors.WriteLine("ingest is not implemented yet.");
        return Task.FromResult(ExitCodes.Failed);
    }
}
