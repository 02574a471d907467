namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>
/// What the verb got from the command line (parsed by System.CommandLine in <see cref="IngestorCommandLine"/>): its
/// options by name and, for ingest, the <c>--Section:Key=value</c> configuration it hands to the host.
/// </summary>
internal sealed class CommandLineArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.OrdinalIgnoreCase);

    public CommandLineArguments(string verb, IEnumerable<KeyValuePair<string, string>> options, IEnumerable<string>? passthrough = null)
    {
        Verb = verb;
        foreach (var (name, value) in options)
        {
            _options[name] = value;
        }

        Passthrough = [.. passthrough ?? []];
    }

    public string Verb { get; }

    public List<string> Passthrough { get; }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public bool Has(string name) => _options.ContainsKey(name);

    public long? GetInt64(string name) =>
        Get(name) is { } text ? long.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : null;

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
