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

        var tableColumns = new List<string>();
        await using (var command = db.DataSource.CreateCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_name = @table ORDER BY ordinal_position"))
        {
            command.Parameters.AddWithValue("table", SparkPlan.StagingTable);
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                tableColumns.Add(reader.GetString(0));
            }
        }

        Assert.Equal(tableColumns, SparkPlanTests.StagingInsertColumns(Guid.NewGuid(), out _));
    }
}
