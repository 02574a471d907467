using System.Reflection;
using System.Text;
using EnergyPipeline.Settings;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// What every program's settings list must satisfy: its help prints each setting, the code declares no configuration key
/// the list lacks, and the docs' table of the program (between <c>settings:NAME:begin</c> and <c>settings:NAME:end</c>
/// comments) is the list's.
/// </summary>
internal static class SettingsChecks
{
    /// <summary>The document whose settings tables are checked.</summary>
    public const string Document = "docs/operations.md";

    /// <summary>Each setting has a line of the help that names its key and, after it, its default.</summary>
    public static void AssertHelpPrintsEvery(SettingsList settings, string help)
    {
        var lines = help.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).ToList();
        Assert.All(settings, setting => Assert.Contains(lines, line =>
            line.StartsWith(setting.Key + " ", StringComparison.Ordinal)
            && line[setting.Key.Length..].TrimStart().StartsWith(setting.Default + " ", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The configuration keys the assembly's code spells out as string constants (any visibility) whose first segment is
    /// one of <paramref name="sections"/>: a setting the program reads without listing it fails this.
    /// </summary>
    public static IReadOnlyList<string> KeyConstants(Assembly assembly, params string[] sections) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(value => sections.Any(section => value.StartsWith(section + ":", StringComparison.Ordinal)) && !value.Contains(' ', StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    public static void AssertDocumentTableIs(string program, SettingsList settings)
    {
        var begin = $"<!-- settings:{program}:begin (generated from the settings list in code; the {program} settings tests check it) -->";
        var end = $"<!-- settings:{program}:end -->";
        var expected = MarkdownTable(settings);
        Assert.True(expected == DocumentBlock.Between(Document, begin, end), $"{Document}'s {program} settings table differs from the list. Expected:\n{expected}");
    }

    public static string MarkdownTable(SettingsList settings)
    {
        var table = new StringBuilder("| setting | default | meaning |\n| --- | --- | --- |\n");
        foreach (var setting in settings)
        {
            table.Append($"| `{setting.Key}` | {Escape(Default(setting.Default))} | {Escape(setting.Meaning)} |\n");
        }

        return table.ToString().TrimEnd('\n');
    }

    /// <summary>A value in code style; a description (a default in parentheses) as words.</summary>
    private static string Default(string text) => text.StartsWith('(') && text.EndsWith(')') ? text[1..^1] : $"`{text}`";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
