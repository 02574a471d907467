using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The completion records a snapshot starts with: an absent control topic means none, but a control topic the broker
/// reports an error for is a failed read, never an empty list (which would read as "no ingestion completed").
/// </summary>
public sealed class SnapshotCaptureTests : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public void A_control_topic_in_error_fails_the_capture_instead_of_reading_no_completion()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        Ingest();
        var controlTopic = RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name);
        _cluster.SetTopicError(controlTopic, ErrorCode.LeaderNotAvailable);

        var error = Assert.Throws<KafkaReadException>(() => Snapshots().Capture(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"Topic {controlTopic} is not available on {_cluster.BootstrapServers}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_capture_reads_the_completion_once_the_control_topic_answers_again()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        var completion = Ingest();
        var controlTopic = RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name);
        _cluster.SetTopicError(controlTopic, ErrorCode.LeaderNotAvailable);
        _cluster.SetTopicError(controlTopic, ErrorCode.NoError);

        var snapshot = Snapshots().Capture(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal(completion.RunId, Assert.Single(snapshot.Completions).RunId);
    }

    [Fact]
    public void Without_a_control_topic_there_is_no_completion_record()
    {
        _cluster.CreateTopic(RawEnergyTopic.Name, 2);

        var snapshot = Snapshots().Capture(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Empty(snapshot.Completions);
    }

    public void Dispose() => _cluster.Dispose();

    private SnapshotSource Snapshots() => new(TestKafkaClients.SnapshotConsumers(_cluster.BootstrapServers), _cluster.BootstrapServers, TimeSpan.FromSeconds(20));

    private IngestionCompletion Ingest()
    {
        using var ingestion = new TestIngestion(_cluster.BootstrapServers);
        foreach (var reading in SyntheticReadings.Generate(20))
        {
            ingestion.Send(reading);
        }

        return ingestion.Complete();
    }
}
