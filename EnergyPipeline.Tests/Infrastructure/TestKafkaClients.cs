using Aspire.Confluent.Kafka;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Client factories configured as the services' registrations configure them, without a host.</summary>
public static class TestKafkaClients
{
    public static KafkaConsumerFactory<byte[]?, byte[]?> SnapshotConsumers(string bootstrapServers)
    {
        var settings = new KafkaConsumerSettings();
        settings.Config.BootstrapServers = bootstrapServers;
        SnapshotReader.ConfigureConsumer(settings);
        return new KafkaConsumerFactory<byte[]?, byte[]?>(settings, new KafkaClientLog(NullLogger.Instance), metrics: null);
    }
}
