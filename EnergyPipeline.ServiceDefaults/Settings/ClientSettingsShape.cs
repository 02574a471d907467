using System.Reflection;

namespace EnergyPipeline.Settings;

/// <summary>
/// The keys a client registration in the shape of the official Aspire client packages binds: from its section and then
/// its connection's subsection (<c>Aspire:Npgsql</c>, <c>Aspire:Npgsql:energy_db</c>), each settable property of its
/// settings type, and any key below a property that is an object of its own (the Kafka clients' <c>Config</c>, whose
/// keys are librdkafka properties).
/// </summary>
public sealed class ClientSettingsShape
{
    private readonly string[] _prefixes;
    private readonly string[] _properties;
    private readonly string[] _subtrees;

    public ClientSettingsShape(string section, string connectionName, Type settingsType)
    {
        Section = section;
        _prefixes = [section, $"{section}:{connectionName}"];
        var properties = settingsType.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        _properties = [.. properties.Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name)];
        _subtrees = [.. properties.Where(p => p.SetMethod is null && p.PropertyType.IsClass && p.PropertyType != typeof(string)).Select(p => p.Name)];
    }

    /// <summary>The configuration section the client binds, e.g. <c>Aspire:Npgsql</c>.</summary>
    public string Section { get; }

    /// <summary>Every key of the shape, an object property's as <c>...:Config:NAME</c>: what a misspelt key is compared with.</summary>
    public IEnumerable<string> Keys =>
        _prefixes.SelectMany(prefix => _properties.Select(p => $"{prefix}:{p}")
            .Concat(_subtrees.Select(s => $"{prefix}:{s}:{SettingDescriptor.AnyName}")));

    public bool Covers(string key) =>
        _prefixes.Any(prefix =>
            _properties.Any(p => string.Equals(key, $"{prefix}:{p}", StringComparison.OrdinalIgnoreCase))
            || _subtrees.Any(s => key.Length > prefix.Length + s.Length + 2 && key.StartsWith($"{prefix}:{s}:", StringComparison.OrdinalIgnoreCase)));
}
