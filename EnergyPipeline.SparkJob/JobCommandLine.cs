using System.CommandLine;
using System.CommandLine.Help;

namespace EnergyPipeline.SparkJob;

/// <summary>
/// The job's command line on System.CommandLine: <c>--engine</c>, <c>--topic</c>, help; <c>--Section:Key=value</c>
/// passes to configuration (the host reads the same arguments), any other option is named as unknown.
/// </summary>
public static class JobCommandLine
{
    public const string Usage = """
        Reads the Kafka topic (raw_energy), de-duplicates and checks every reading, and replaces the quarterly figures in
        PostgreSQL (table quarterly_energy_data) in one transaction. Prints one JSON summary line, also on failure.

        Settings (environment Section__Key, or --Section:Key=value):
          ConnectionStrings:energy_db   PostgreSQL (Npgsql connection string)            required
          ConnectionStrings:kafka       Kafka bootstrap servers (host:port)               local engine
          ConnectionStrings:spark       Spark Connect endpoint (sc://host:15002)          spark engine
          Pipeline:Engine               spark (default) or local
          Pipeline:Topic                the topic to read (raw_energy)
          Pipeline:ConnectTimeout       seconds to reach PostgreSQL, and Kafka or Spark Connect, at start (15)
          Pipeline:ReadStallTimeout     seconds without progress before the Kafka read fails (60)
          Pipeline:Spark:MaxStatementDuration   seconds or a time span one Spark statement may run (04:00:00)
          Logging:LogLevel:Npgsql.Command=Information   log every SQL statement

        Exit codes: 0 succeeded, 1 failed (the old figures stay), 2 configuration error.
        """;

    /// <summary>What the command line asks for: help (printed to <paramref name="output"/>), an error, or a run.</summary>
    public static (bool Help, string? Error) Check(IReadOnlyList<string> args, TextWriter output)
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

        if (result.Errors.Count > 0)
        {
            return (false, result.Errors[0].Message);
        }

        var unmatched = result.UnmatchedTokens;
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || !token.Split('=', 2)[0].Contains(':', StringComparison.Ordinal))
            {
                return (false, $"Unknown option '{token}': use --engine, --topic or --Section:Key=value (--help lists the settings).");
            }

            if (!token.Contains('=', StringComparison.Ordinal) && i + 1 < unmatched.Count && !unmatched[i + 1].StartsWith('-'))
            {
                i++;
            }
        }

        return (false, null);
    }
}
