namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>
/// A verb and its <c>--name value</c> / <c>--name=value</c> options. Options the verb does not know are kept
/// in <see cref="Passthrough"/> (the ingest verb hands them to the host as configuration, e.g.
/// <c>--Ingestor:Topic=raw_energy_test</c>).
/// </summary>
internal sealed class CommandLineArguments
{
    public const string DefaultVerb = "ingest";

    /// <summary>Options that take no value.</summary>
    private static readonly HashSet<string> Flags = new(StringComparer.OrdinalIgnoreCase) { "force" };

    private readonly Dictionary<string, string> _options = new(StringComparer.OrdinalIgnoreCase);

    public string Verb { get; private init; } = DefaultVerb;

    public List<string> Passthrough { get; } = [];

    public static CommandLineArguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> knownOptions)
    {
        var start = 0;
        var verb = DefaultVerb;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            verb = args[0].ToLowerInvariant();
            start = 1;
        }

        var parsed = new CommandLineArguments { Verb = verb };
        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }

            var equals = arg.IndexOf('=');
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            string? value = equals > 0 ? arg[(equals + 1)..] : null;
            if (!knownOptions.Contains(name))
            {
                // Only configuration keys (Section:Key) pass through; any other unknown option is named, never
                // taking the next argument with it.
                if (!name.Contains(':', StringComparison.Ordinal))
                {
                    throw new UsageException($"Unknown option '--{name}' for '{verb}'.");
                }

                parsed.Passthrough.Add(arg);
                if (value is null && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    parsed.Passthrough.Add(args[++i]);
                }

                continue;
            }

            if (value is null && Flags.Contains(name))
            {
                value = "true";
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"Option --{name} needs a value.");
                }

                value = args[++i];
            }

            parsed._options[name] = value;
        }

        return parsed;
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public bool Has(string name) => _options.ContainsKey(name);

    public long? GetInt64(string name)
    {
        if (Get(name) is not { } text)
        {
            return null;
        }

        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"Option --{name} must be a non-negative integer, not '{text}'.");
    }

    public void RejectPassthrough()
    {
        if (Passthrough.Count > 0)
        {
            throw new UsageException($"Unknown option '{Passthrough[0]}' for '{Verb}'.");
        }
    }
}

/// <summary>Bad command line or configuration: printed with the usage, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
