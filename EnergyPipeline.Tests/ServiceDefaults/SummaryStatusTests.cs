using System.Text.RegularExpressions;
using EnergyPipeline.Summaries;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The statuses every summary line uses are the ones docs/operations.md, *Summary lines*, documents.</summary>
public sealed partial class SummaryStatusTests
{
    [Fact]
    public void The_docs_table_of_statuses_is_the_set_the_summary_lines_use()
    {
        var document = File.ReadAllText(RepositoryFiles.PathOf("docs", "operations.md")).ReplaceLineEndings("\n");
        var section = document[document.IndexOf("### Summary lines\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n#", StringComparison.Ordinal)];

        var documented = StatusRow().Matches(section).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(SummaryStatus.All, documented);
    }

    [GeneratedRegex(@"^\| `([a-z ]+)` \|", RegexOptions.Multiline)]
    private static partial Regex StatusRow();
}
