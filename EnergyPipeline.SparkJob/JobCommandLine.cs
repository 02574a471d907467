namespace EnergyPipeline.SparkJob;

/// <summary>The job's command line: <c>--engine</c>, <c>--topic</c>, <c>--Section:Key=value</c>, help; anything else is named as unknown.</summary>
public static class JobCommandLine
{
    public const string Usage = """
        Usage: EnergyPipeline.SparkJob [--engine spark|local] [--topic NAME] [--Section:Key=value ...]
               EnergyPipeline.SparkJob help | --help | -h

        Reads the Kafka topic (raw_energy), de-duplicates and checks every reading, and replaces the quarterly figures in
        PostgreSQL (table quarterly_energy_data) in one transaction. Prints one JSON summary line, also on failure.

        Settings (environment Section__Key, or --Section:Key=value):
          ConnectionStrings:energy_db   PostgreSQL (Npgsql connection string)            required
          ConnectionStrings:kafka       Kafka bootstrap servers (host:port)               local engine
          ConnectionStrings:spark       Spark Connect endpoint (sc://host:15002)          spark engine
          Pipeline:Engine               spark (default) or local
          Pipeline:Topic                the topic to read (raw_energy)
          Pipeline:ConnectTimeout       seconds to reach Kafka and PostgreSQL at start (15)
          Logging:LogLevel:Npgsql.Command=Information   log every SQL statement

        Exit codes: 0 succeeded, 1 failed (the old figures stay), 2 configuration error.
        """;

    public static bool IsHelp(IReadOnlyList<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?") || (args.Count > 0 && args[0] == "help");

    /// <summary>The first option that is neither a switch nor a configuration key, or null.</summary>
    public static string? FindUnknownOption(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                return arg;
            }

            var name = arg.Split('=', 2)[0];
            var hasValue = arg.Contains('=', StringComparison.Ordinal);
            if (PipelineOptions.SwitchMappings.ContainsKey(name) || (name.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal)))
            {
                if (!hasValue)
                {
                    i++;
                }

                continue;
            }

            return name;
        }

        return null;
    }
}
