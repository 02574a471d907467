using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Offsets without a data message (transaction markers here; compaction in production) must not stall the snapshot:
/// the engine stops at the high watermark captured at start, whatever offsets hold data.
/// </summary>
public sealed class OffsetGapTests(PostgresServerFixture server) : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public async Task Transactional_batches_leave_offset_gaps_that_the_local_engine_reads_past()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        var runId = Guid.CreateVersion7().ToString();
        var delivered = new List<(int Partition, long Offset)>();
        var readings = Enumerable.Range(0, 50).Select(i => Complete(new DateTime(2009, 9, 30, 23, 30, 0).AddMinutes(i), 0.06m * (i + 1))).ToList();
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
               {
                   BootstrapServers = _cluster.BootstrapServers,
                   TransactionalId = "energy-test-" + Guid.NewGuid().ToString("N"),
               }).Build())
        using (var control = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(20));
            foreach (var batch in readings.Chunk(10))
            {
                producer.BeginTransaction();
                foreach (var reading in batch)
                {
                    producer.Produce(RawEnergyTopic.Name, new Message<byte[], byte[]>
                    {
                        Key = Key(reading.Timestamp),
                        Value = Value(reading),
                    }, report => { lock (delivered) { delivered.Add((report.Partition.Value, report.Offset.Value)); } });
                }

                producer.CommitTransaction(TimeSpan.FromSeconds(20));
            }

            var runs = TestIngestion.OffsetRunsOf(delivered);
            // Each commit marker sits between two transactions' messages: the offset runs have a gap at every one.
            Assert.True(runs.Sum(p => p.Runs.Count) > runs.Count, "commit markers should split the offset runs");
            TestIngestion.Record(control, RawEnergyTopic.Name, new IngestionCompletion(runId, "sha", readings.Count, readings[0].Timestamp, readings[^1].Timestamp,
                runs, null, DateTimeOffset.UtcNow));
        }

        await using var db = await JobDatabase.CreateAsync(server, "gaps");
        var engine = db.LocalEngine(_cluster.BootstrapServers);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));

        var summary = await db.Runner(engine).RunAsync(RawEnergyTopic.Name, timeout.Token);

        Assert.Equal(readings.Count, summary.ReadingsRead);
        var run = await db.RunAsync(summary.RunId);
        var offsets = System.Text.Json.JsonSerializer.Deserialize<List<Dictionary<string, long>>>(run.OffsetsJson!)!;
        Assert.True(offsets.Sum(o => o["end_offset"] - o["start_offset"]) > readings.Count,
            "commit markers should occupy offsets: " + run.OffsetsJson);
        Assert.Equal(IndependentFigures.Of(readings).Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
    }

    public void Dispose() => _cluster.Dispose();
}
