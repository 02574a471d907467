using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Structure;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// What the migrated schema says about itself (table, view and column comments, read by anyone who opens the database)
/// cites only the repository, by the same rules as its files (RepositoryReferenceTests).
/// </summary>
public sealed class SchemaCommentTests(PostgresServerFixture server)
{
    [Fact]
    public async Task Every_comment_of_the_migrated_schema_cites_only_the_repository()
    {
        await using var db = await JobDatabase.CreateAsync(server, "comments");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);

        var comments = await db.TextRowsAsync("""
            SELECT c.relname, d.description
            FROM pg_description d JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE d.classoid = 'pg_class'::regclass AND n.nspname = current_schema()
            """);

        Assert.Contains(comments, c => c[0] == EnergySchema.QuarterlyTable && c[1].Contains("docs/contract.md", StringComparison.Ordinal));
        Assert.All(comments, c => Assert.True(!RepositoryReferenceTests.BrokenRules(c[1]).Any(), $"{c[0]}: {c[1]}"));
    }
}
