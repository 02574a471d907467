using System.Text.RegularExpressions;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// The repository stands alone: what a person who clones it reads (code, comments, scripts, SQL in strings, Markdown)
/// cites only what is in it. Every tracked text file is read; each rule is a narrow pattern, so a hit is a real citation
/// of something outside or a note about how the code was built rather than what it is:
/// <list type="bullet">
/// <item>the outside brief's name in capitals, as a document (the capitalised word, not the ordinary word "design");</item>
/// <item>a tracker number: the word for a tracker entry followed by a number (upstream references keep the owner/name#N form);</item>
/// <item>a copy of upstream code that was read somewhere else, and the person who reviewed the work;</item>
/// <item>first-person lab notes: "I" or "we" followed by a verb of doing the work (measured, saw, tried, ran, found, ...),
///   and a reference to the branch being worked on; ordinary prose about code ("we looked" in a comment on a race) does not match;</item>
/// <item>a relative Markdown link (inline or reference style, outside code spans and fences) whose target is not a file or
///   folder of the repository.</item>
/// </list>
/// The patterns are written so that this file does not match them. One kind of line is let through: a schema comment an
/// applied migration wrote and a later migration replaces (applied migrations are never edited; SchemaCommentTests
/// checks what the database holds).
/// </summary>
public sealed partial class RepositoryReferenceTests
{
    private const string SchemaFile = "EnergyPipeline.SparkJob/Storage/EnergySchema.cs";

    private static readonly (string Rule, Regex Pattern)[] Rules =
    [
        ("cites the outside brief", OutsideBrief()),
        ("cites a tracker entry", TrackerNumber()),
        ("cites a copy read elsewhere", CopyReadElsewhere()),
        ("mentions the reviewer", Reviewer()),
        ("is a first-person lab note", LabNote()),
    ];

    [Fact]
    public void No_tracked_text_file_cites_what_the_repository_does_not_hold()
    {
        var findings = TextFiles()
            .SelectMany(file => File.ReadLines(RepositoryFiles.PathOf(file)).Select((line, index) => (file, line, number: index + 1)))
            .Where(l => !IsReplacedSchemaComment(l.file, l.line))
            .SelectMany(l => BrokenRules(l.line).Select(rule => $"{l.file}:{l.number} {rule}: {l.line.Trim()}"))
            .ToList();

        Assert.True(findings.Count == 0, $"{findings.Count} references a reader of the repository cannot follow:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void Every_relative_markdown_link_resolves_to_a_file_or_folder_of_the_repository()
    {
        var tracked = TrackedFiles.All.ToHashSet(StringComparer.Ordinal);
        var folders = TrackedFiles.All.SelectMany(Parents).ToHashSet(StringComparer.Ordinal);
        var markdown = TrackedFiles.All.Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase)).ToList();
        var links = markdown.SelectMany(file => RelativeLinks(file).Select(link => (file, link.Target, link.Number))).ToList();

        Assert.Contains(links, l => l.file == "README.md");
        var broken = links
            .Where(l => Resolve(l.file, l.Target) is not { } path || !(tracked.Contains(path) || folders.Contains(path)))
            .Select(l => $"{l.file}:{l.Number} ({l.Target})")
            .ToList();
        Assert.True(broken.Count == 0, "Relative links to nothing in the repository:\n" + string.Join("\n", broken));
    }

    [Theory]
    [InlineData("See DES" + "IGN section 3.", "cites the outside brief")]
    [InlineData("// as is" + "sue 14 asked", "cites a tracker entry")]
    [InlineData("from the stored" + " copy of that file", "cites a copy read elsewhere")]
    [InlineData("the le" + "ad's quiet run", "mentions the reviewer")]
    [InlineData("I mea" + "sured 3 s on this machine", "is a first-person lab note")]
    [InlineData("We s" + "aw it fail twice", "is a first-person lab note")]
    [InlineData("on this bra" + "nch only", "is a first-person lab note")]
    public void Each_rule_finds_what_it_is_for(string line, string rule) => Assert.Equal([rule], BrokenRules(line));

    [Theory]
    [InlineData("A design that reads well; see docs/architecture.md, *Stages*.")]
    [InlineData("the thread ended while we looked")]
    [InlineData("dotnet/runtime#68344 and dotnet/spark#1095")]
    [InlineData("the leader of partition 0")]
    [InlineData("for (var i = 0; i < n; i++) // I/O")]
    public void Ordinary_text_breaks_no_rule(string line) => Assert.Empty(BrokenRules(line));

    [Fact]
    public void Only_a_schema_comment_that_a_later_migration_replaces_is_let_through()
    {
        var comments = File.ReadLines(RepositoryFiles.PathOf(SchemaFile)).Where(l => SchemaComment().IsMatch(l)).ToList();

        Assert.True(IsReplacedSchemaComment(SchemaFile, comments.First(l => l.Contains("{QuarterlyTable} IS", StringComparison.Ordinal))));
        Assert.False(IsReplacedSchemaComment(SchemaFile, comments.Last(l => l.Contains("{QuarterlyTable} IS", StringComparison.Ordinal))));
        Assert.False(IsReplacedSchemaComment(SchemaFile, comments.First(l => l.Contains("{StagingTable} IS", StringComparison.Ordinal))));
        Assert.False(IsReplacedSchemaComment("EnergyPipeline.Tests/Other.cs", comments[0]));
    }

    /// <summary>The rules a text breaks (also a database comment's: SchemaCommentTests).</summary>
    internal static IEnumerable<string> BrokenRules(string text) => Rules.Where(r => r.Pattern.IsMatch(text)).Select(r => r.Rule);

    /// <summary>
    /// A line of <see cref="EnergySchema"/> that comments on a table, view or column in one migration, when a later
    /// migration comments on the same object again.
    /// </summary>
    private static bool IsReplacedSchemaComment(string file, string line)
    {
        var comment = SchemaComment().Match(line);
        if (file != SchemaFile || !comment.Success)
        {
            return false;
        }

        var name = comment.Groups["name"].Value;
        var relation = (string)typeof(EnergySchema).GetField(name)!.GetRawConstantValue()!;
        var statement = Placeholder().Replace(line.Trim(), p => (string)typeof(EnergySchema).GetField(p.Groups[1].Value)!.GetRawConstantValue()!);
        var writtenBy = EnergySchema.Migrations.Single(m => m.Sql.Contains(statement, StringComparison.Ordinal));
        var target = $"COMMENT ON {comment.Groups["kind"].Value} {relation}{comment.Groups["column"].Value} IS";
        return EnergySchema.Migrations.Any(m => m.Version > writtenBy.Version && m.Sql.Contains(target, StringComparison.Ordinal));
    }

    [Fact]
    public void Links_in_code_are_not_links_and_a_missing_target_is_found()
    {
        var lines = RelativeLinks(
            ["[ok](README.md) `[code](nowhere.md)`", "```", "[fenced](nowhere.md)", "```", "[gone](docs/nowhere.md#part) [web](https://example.org)", "[ref]: ../up.md"]);

        Assert.Equal([("README.md", 1), ("docs/nowhere.md#part", 5), ("../up.md", 6)], lines.Select(l => (l.Target, l.Number)));
        Assert.Null(Resolve("README.md", "../up.md"));
        Assert.Equal("docs/nowhere.md", Resolve("README.md", "docs/nowhere.md#part"));
        Assert.Equal("containers/spark", Resolve("docs/x.md", "../containers/spark/"));
    }

    /// <summary>Tracked files that are text: no NUL byte in their first 8 KiB.</summary>
    private static IEnumerable<string> TextFiles() => TrackedFiles.All.Where(file =>
    {
        using var stream = File.OpenRead(RepositoryFiles.PathOf(file));
        var head = new byte[8192];
        var read = stream.Read(head);
        return Array.IndexOf(head, (byte)0, 0, read) < 0;
    });

    private static IEnumerable<(string Target, int Number)> RelativeLinks(string file) =>
        RelativeLinks(File.ReadAllLines(RepositoryFiles.PathOf(file)));

    private static List<(string Target, int Number)> RelativeLinks(IReadOnlyList<string> lines)
    {
        var links = new List<(string, int)>();
        var fenced = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (fenced)
            {
                continue;
            }

            var text = CodeSpan().Replace(lines[i], "");
            var targets = InlineLink().Matches(text).Select(m => m.Groups["target"].Value)
                .Concat(ReferenceDefinition().Matches(text).Select(m => m.Groups["target"].Value));
            links.AddRange(targets.Where(t => !Scheme().IsMatch(t) && !t.StartsWith('#')).Select(t => (t.Trim('<', '>'), i + 1)));
        }

        return links;
    }

    /// <summary>The repository path a link from <paramref name="file"/> points at, or null when it leaves the repository.</summary>
    private static string? Resolve(string file, string target)
    {
        var path = Uri.UnescapeDataString(target.Split('#', '?')[0]);
        var directory = path.StartsWith('/') ? "" : Path.GetDirectoryName(file) ?? "";
        var parts = new List<string>();
        foreach (var part in $"{directory}/{path}".Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    private static IEnumerable<string> Parents(string file)
    {
        for (var slash = file.LastIndexOf('/'); slash > 0; slash = file.LastIndexOf('/', slash - 1))
        {
            yield return file[..slash];
        }
    }

    [GeneratedRegex(@"\bDES[I]GN\b")]
    private static partial Regex OutsideBrief();

    [GeneratedRegex(@"(?i)\bissues?\s+#?[0-9]+")]
    private static partial Regex TrackerNumber();

    [GeneratedRegex(@"(?i)\bstored\s+cop(y|ies)\b")]
    private static partial Regex CopyReadElsewhere();

    [GeneratedRegex(@"(?i)\bthe\s+lead('s)?\b")]
    private static partial Regex Reviewer();

    [GeneratedRegex(@"\bI\s+(measured|could|saw|ran|tried|found|checked|timed|noticed|think|believe|kept|chose|read)\b|(?i)\bwe\s+(saw|measured|tried|ran|found|timed|noticed|observed|chose|decided)\b|(?i)\bthis\s+branch\b")]
    private static partial Regex LabNote();

    [GeneratedRegex(@"COMMENT ON (?<kind>TABLE|VIEW|COLUMN) \{(?<name>\w+)\}(?<column>\.\w+)? IS")]
    private static partial Regex SchemaComment();

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex Scheme();
}
