using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace EnergyPipeline.Settings;

/// <summary>
/// A setting a program would silently ignore: a key below a section the program checks (<c>Pipeline</c>,
/// <c>Ingestor</c>, <c>Aspire</c>) that none of its settings names. Its command line, its appsettings.json and any other
/// source must hold only keys of its own list or of its clients' shapes; the environment, which the AppHost's services
/// inherit from it, may also hold what another program of the pipeline reads (<see cref="PipelineSettingKeys"/>).
/// </summary>
public sealed class UnknownSettingCheck(SettingsList settings, IReadOnlyList<string> sections, params IReadOnlyList<ClientSettingsShape> clients)
{
    /// <summary>
    /// One sentence naming every unknown key, where it was set and the closest known key, or null when there is none.
    /// </summary>
    public string? Describe(IConfigurationRoot configuration)
    {
        var unknown = Leaves(configuration)
            .Where(l => InCheckedSection(l.Key) && !Accepts(l.Key, l.Provider is EnvironmentVariablesConfigurationProvider))
            .Select(l => $"Unknown setting '{l.Key}' ({SourceOf(l.Provider, l.Key)}): did you mean '{Closest(l.Key, l.Provider is EnvironmentVariablesConfigurationProvider)}'?")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return unknown.Count == 0 ? null : string.Join(' ', unknown);
    }

    private bool InCheckedSection(string key) =>
        sections.Any(section => key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase));

    private bool Accepts(string key, bool fromEnvironment) =>
        settings.Covers(key)
        || clients.Any(c => c.Covers(key))
        || (fromEnvironment && (PipelineSettingKeys.Keys.Contains(key) || BelongsToAnotherProgramsClient(key)));

    private bool BelongsToAnotherProgramsClient(string key) =>
        PipelineSettingKeys.ClientSections.Any(section =>
            key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)
            && !clients.Any(c => string.Equals(c.Section, section, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The known key with the fewest edits from <paramref name="key"/>; a <c>:NAME</c> key is compared with the given name in place.</summary>
    private string Closest(string key, bool fromEnvironment)
    {
        var known = settings.Select(s => s.Key).Concat(clients.SelectMany(c => c.Keys));
        if (fromEnvironment)
        {
            known = known.Concat(PipelineSettingKeys.Keys);
        }

        var name = key[(key.LastIndexOf(':') + 1)..];
        return known
            .Select(k => k.EndsWith(":" + SettingDescriptor.AnyName, StringComparison.Ordinal) ? k[..^SettingDescriptor.AnyName.Length] + name : k)
            .MinBy(k => EditDistance(key.ToLowerInvariant(), k.ToLowerInvariant()))!;
    }

    private static string SourceOf(IConfigurationProvider provider, string key) => provider switch
    {
        CommandLineConfigurationProvider => "command line",
        EnvironmentVariablesConfigurationProvider => $"environment variable {key.Replace(":", "__", StringComparison.Ordinal)}",
        JsonConfigurationProvider json => json.Source.Path ?? "a JSON file",
        _ => "configuration",
    };

    /// <summary>Every key that has a value, with the provider that holds it; a chained configuration's providers too.</summary>
    private static IEnumerable<(string Key, IConfigurationProvider Provider)> Leaves(IConfigurationRoot configuration)
    {
        foreach (var provider in configuration.Providers)
        {
            if (provider is ChainedConfigurationProvider { Configuration: IConfigurationRoot chained })
            {
                foreach (var leaf in Leaves(chained))
                {
                    yield return leaf;
                }

                continue;
            }

            foreach (var key in KeysBelow(provider, parent: null))
            {
                yield return (key, provider);
            }
        }
    }

    private static IEnumerable<string> KeysBelow(IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var path = parent is null ? child : ConfigurationPath.Combine(parent, child);
            if (provider.TryGet(path, out _))
            {
                yield return path;
            }

            foreach (var deeper in KeysBelow(provider, path))
            {
                yield return deeper;
            }
        }
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
