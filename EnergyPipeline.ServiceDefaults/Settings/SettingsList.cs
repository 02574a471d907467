using System.Collections;
using System.Text;

namespace EnergyPipeline.Settings;

/// <summary>
/// A program's settings, each declared once: its <c>--help</c> prints them (<see cref="HelpTable"/>) and the docs'
/// settings table is tested against them. Keys compare as configuration keys do, ignoring case.
/// </summary>
public sealed class SettingsList(params IReadOnlyList<SettingDescriptor> settings) : IReadOnlyList<SettingDescriptor>
{
    private const int HelpWidth = 118;
    private const string Indent = "  ";
    private const string ColumnGap = "  ";
    private const string KeyHeader = "Setting";
    private const string DefaultHeader = "Default";

    public int Count => settings.Count;

    public SettingDescriptor this[int index] => settings[index];

    /// <summary>The setting with this key, or null when the program reads no such setting.</summary>
    public SettingDescriptor? Find(string key) =>
        settings.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));

    public bool Contains(string key) => Find(key) is not null;

    /// <summary>True when a setting of the list is <paramref name="key"/> or, through a <c>:NAME</c> key, holds it.</summary>
    public bool Covers(string key) => settings.Any(s => s.Covers(key));

    /// <summary>
    /// The settings as the help prints them: a header, then one row each (key, default, meaning), the meaning wrapped
    /// below its own column.
    /// </summary>
    public string HelpTable()
    {
        var keyWidth = Math.Max(settings.Max(s => s.Key.Length), KeyHeader.Length);
        var defaultWidth = Math.Max(settings.Max(s => s.Default.Length), DefaultHeader.Length);
        var meaningColumn = Indent.Length + keyWidth + ColumnGap.Length + defaultWidth + ColumnGap.Length;
        var text = new StringBuilder();
        AppendRow(text, KeyHeader, DefaultHeader, ["Meaning"]);
        foreach (var setting in settings)
        {
            AppendRow(text, setting.Key, setting.Default, Wrap(setting.Meaning, HelpWidth - meaningColumn));
        }

        return text.ToString().TrimEnd('\n');

        void AppendRow(StringBuilder row, string key, string defaultValue, IReadOnlyList<string> meaning)
        {
            row.Append(Indent).Append(key.PadRight(keyWidth)).Append(ColumnGap).Append(defaultValue.PadRight(defaultWidth)).Append(ColumnGap)
                .Append(meaning[0]).Append('\n');
            foreach (var line in meaning.Skip(1))
            {
                row.Append(' ', meaningColumn).Append(line).Append('\n');
            }
        }
    }

    public IEnumerator<SettingDescriptor> GetEnumerator() => settings.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        lines.Add(line.ToString());
        return lines;
    }
}
