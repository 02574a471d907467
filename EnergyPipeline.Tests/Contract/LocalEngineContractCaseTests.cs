using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Tests.Contract;

/// <summary>
/// Every case of the contract table through real Kafka clients: produced as one completed ingestion (null keys and
/// tombstones as Kafka's nulls) to the mock cluster and read by the local engine, which reports each under its reason,
/// with samples.
/// </summary>
public sealed class LocalEngineContractCaseTests(PostgresServerFixture server) : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public async Task The_local_engine_reads_every_case_and_reports_its_reason()
    {
        const string topic = "contract_cases";
        _cluster.CreatePipelineTopics(topic, partitions: 1);
        using (var ingestion = new TestIngestion(_cluster.BootstrapServers, topic))
        {
            // A valid reading of another minute first, so the run has something to publish whatever the cases decide.
            ingestion.Send("2007-01-01T00:00:00"u8.ToArray(), System.Text.Encoding.UTF8.GetBytes(ContractCases.ExampleValue.Replace(ContractCases.Minute, "2007-01-01T00:00:00", StringComparison.Ordinal)));
            foreach (var contractCase in ContractCases.All)
            {
                ingestion.Send(contractCase.Key, contractCase.Value);
            }

            ingestion.Complete();
        }

        await using var db = await JobDatabase.CreateAsync(server, "cases");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);
        var log = new CapturingLogger();
        var engine = db.LocalEngine(_cluster.BootstrapServers, log);
        var run = new JobRun(Guid.NewGuid(), topic, DateTimeOffset.UtcNow);
        await using var lease = await db.Store.StartRunAsync(run, engine.Name, TestContext.Current.CancellationToken);

        var result = await engine.RunAsync(run, TestContext.Current.CancellationToken);

        var expected = ContractCases.All.Where(c => c.Reason is not null).GroupBy(c => c.Reason!)
            .OrderBy(g => ReadingValidity.Rules.Select(r => r.Reason).ToList().IndexOf(g.Key))
            .Select(g => (g.Key, (long)g.Count()));
        Assert.Equal(expected, result.InvalidByReason.Select(r => (r.Reason, r.Messages)));
        Assert.Equal(result.Invalid, result.InvalidByReason.Sum(r => r.Messages));
        Assert.All(result.InvalidByReason, r => Assert.InRange(r.Samples.Count, 1, 5));
        Assert.Equal(ContractCases.All.Count + 1, result.ReadingsRead);
        // The log names every reason seen, with its count.
        Assert.All(result.InvalidByReason, r => Assert.Contains(log.Lines, line => line.StartsWith($"{r.Messages} invalid messages for {r.Reason},", StringComparison.Ordinal)));
    }

    private sealed class CapturingLogger : ILogger<LocalEngine>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }

    public void Dispose() => _cluster.Dispose();
}
