using EnergyPipeline.Settings;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The settings list the programs' help and docs are made from.</summary>
public sealed class SettingsListTests
{
    private static readonly SettingsList Settings = new(
        new("Section:Short", "1", "A short meaning."),
        new("Section:AMuchLongerKey", SettingDescriptor.None, string.Join(' ', Enumerable.Repeat("word", 60))));

    [Fact]
    public void The_help_table_aligns_the_columns_and_wraps_a_long_meaning_below_its_own_column()
    {
        var lines = Settings.HelpTable().Split('\n');
        var meaningColumn = lines[0].IndexOf("Meaning", StringComparison.Ordinal);

        Assert.Equal("  Setting" + new string(' ', 17) + "Default  Meaning", lines[0]);
        Assert.Equal("  Section:Short" + new string(' ', 11) + "1" + new string(' ', 8) + "A short meaning.", lines[1]);
        Assert.True(lines.Length > 4, "the long meaning wraps");
        Assert.All(lines, line => Assert.InRange(line.Length, 1, 118));
        Assert.All(lines.Skip(3), line => Assert.Equal(new string(' ', meaningColumn) + "word", line[..(meaningColumn + 4)]));
        Assert.Equal(60, lines.Skip(2).Sum(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(w => w == "word")));
    }

    [Fact]
    public void A_key_is_found_ignoring_case_as_configuration_keys_compare()
    {
        Assert.Same(Settings[1], Settings.Find("section:amuchlongerkey"));
        Assert.False(Settings.Contains("Section:Other"));
    }
}
