using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// Spark's JDBC insert matches columns by position against the table PostgreSQL really has, so the plan's insert is
/// checked against the staging table the job's migrations create, not against a list written in the test.
/// </summary>
public sealed class SparkStagingContractTests(PostgresServerFixture server)
{
    [Fact]
    public async Task The_spark_insert_matches_the_migrated_staging_table_column_for_column()
    {
        await using var db = await JobDatabase.CreateAsync(server, "staging_contract");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);

        var tableColumns = await db.TextRowsAsync(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", SparkPlan.StagingTable);

        Assert.Equal(tableColumns.Select(row => row[0]), SparkPlanTests.StagingInsertColumns(Guid.NewGuid(), out _));
    }
}
