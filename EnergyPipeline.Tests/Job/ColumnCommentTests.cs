using System.Text;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Every column of the two output tables says in the database what it is (a comment, shown by psql's <c>\d+</c>), and
/// docs/contract.md's column tables are exactly those comments, with the columns' types, in the tables' order.
/// </summary>
public sealed class ColumnCommentTests(PostgresServerFixture server)
{
    private const string Document = "docs/contract.md";

    [Theory]
    [InlineData(EnergySchema.QuarterlyTable)]
    [InlineData(EnergySchema.RunsTable)]
    public async Task Every_column_has_a_comment_and_the_docs_table_is_those_comments(string table)
    {
        await using var db = await JobDatabase.CreateAsync(server, "columns");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);

        var columns = await db.TextRowsAsync("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(col_description(a.attrelid, a.attnum), '')
            FROM pg_attribute a
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, table);

        Assert.Contains(columns, c => c[0] == "run_id");
        Assert.All(columns, c => Assert.True(c[2].Length > 0, $"{table}.{c[0]} has no comment"));
        var expected = MarkdownTable(columns);
        var documented = DocumentBlock.Between(Document,
            $"<!-- columns:{table}:begin (the column comments of the migrated schema; ColumnCommentTests checks it) -->", $"<!-- columns:{table}:end -->");
        Assert.True(expected == documented, $"{Document}'s column table of {table} differs from the migrated comments. Expected:\n{expected}");
    }

    private static string MarkdownTable(IEnumerable<string[]> columns)
    {
        var table = new StringBuilder("| column | type | meaning |\n| --- | --- | --- |\n");
        foreach (var column in columns)
        {
            table.Append($"| `{column[0]}` | `{column[1]}` | {column[2].Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        return table.ToString().TrimEnd('\n');
    }
}
