namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// The text of a document of the repository between two marker comments (<c>&lt;!-- NAME:begin ... --&gt;</c> and
/// <c>&lt;!-- NAME:end --&gt;</c>): a block generated from code, which its test compares with what the code gives now.
/// </summary>
internal static class DocumentBlock
{
    public static string Between(string document, string begin, string end)
    {
        var text = File.ReadAllText(RepositoryFiles.PathOf(document)).ReplaceLineEndings("\n");
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(start >= 0 && stop > start, $"{document} lacks the block between {begin} and {end}");
        return text[(start + begin.Length)..stop].Trim('\n');
    }
}
