using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.ServiceDefaults.Kafka;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// librdkafka's mock cluster hosted in the AppHost process: a real Kafka-protocol broker on 127.0.0.1 that lives as
/// long as the AppHost. Started on first use (the resource's initialisation or the first connection string asked
/// for), with its topics created through the mock's own API (it serves no admin CreateTopics).
/// </summary>
public sealed class EmbeddedKafkaResource : Resource, IResourceWithConnectionString
{
    private readonly Lazy<MockKafkaCluster> _cluster;

    public EmbeddedKafkaResource(string name, IReadOnlyList<EmbeddedTopic> topics) : base(name)
    {
        Topics = topics;
        _cluster = new Lazy<MockKafkaCluster>(() =>
        {
            var cluster = new MockKafkaCluster();
            foreach (var topic in topics)
            {
                cluster.CreateTopic(topic.Name, topic.Partitions);
            }

            return cluster;
        });
    }

    public IReadOnlyList<EmbeddedTopic> Topics { get; }

    /// <summary>The running cluster (started here when it is not yet).</summary>
    public MockKafkaCluster Cluster => _cluster.Value;

    public bool IsStarted => _cluster.IsValueCreated;

    /// <summary><c>host:port</c> of the mock broker, known once it runs.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{new BootstrapServers(this)}");

    /// <summary>Stops the cluster; clients in other processes should be gone first.</summary>
    public void Stop()
    {
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
    }

    private sealed class BootstrapServers(EmbeddedKafkaResource kafka) : IValueProvider, IManifestExpressionProvider
    {
        public string ValueExpression => $"{{{kafka.Name}.connectionString}}";

        public ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<string?>(kafka.Cluster.BootstrapServers);
    }
}

/// <summary>A topic the embedded cluster creates at start.</summary>
public sealed record EmbeddedTopic(string Name, int Partitions);
