using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Telemetry;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>The job's meters are process-wide, so tests that read them run alone.</summary>
[CollectionDefinition(nameof(SerialMetrics), DisableParallelization = true)]
public sealed class SerialMetrics;

[Collection(nameof(SerialMetrics))]
public sealed class JobMetricsTests(PostgresServerFixture server) : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public async Task Metrics_report_the_same_counts_as_the_summary()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, partitions: 3);
        var readings = SyntheticReadings.Generate(5_000).ToList();
        using (var ingestion = new TestIngestion(_cluster.BootstrapServers))
        {
            // Every reading once, the first 700 a second time, and two values that break the contract.
            foreach (var reading in readings.Concat(readings.Take(700)))
            {
                ingestion.Send(reading);
            }

            ingestion.Send(Key(readings[0].Timestamp), "not json"u8.ToArray());
            ingestion.Send(Key(readings[1].Timestamp), "{}"u8.ToArray());
            ingestion.Complete();
        }

        MetricCollector<long> Counter(string name) => new(meterScope: null, JobTelemetry.Name, name);
        using var read = Counter("energy.job.readings_read");
        using var duplicates = Counter("energy.job.duplicates_dropped");
        using var invalid = Counter("energy.job.invalid");
        using var quarters = Counter("energy.job.quarters_written");

        await using var db = await JobDatabase.CreateAsync(server, "metrics");
        var summary = await db.Runner(db.LocalEngine(_cluster.BootstrapServers)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal(5_702, summary.ReadingsRead);
        // 700 re-sent copies, and the valid copies of the two minutes whose newest copy is invalid.
        Assert.Equal(702, summary.DuplicatesDropped);
        Assert.Equal(2, summary.Invalid);
        Assert.Equal(summary.ReadingsRead, read.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(summary.DuplicatesDropped, duplicates.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(summary.Invalid, invalid.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(summary.QuartersWritten, quarters.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    public void Dispose() => _cluster.Dispose();
}
