using Aspire.Confluent.Kafka;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Local;
using Microsoft.Extensions.Logging.Abstractions;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Client factories configured as the services' registrations configure them, without a host.</summary>
public static class TestKafkaClients
{
    public static KafkaConsumerFactory<byte[]?, byte[]?> LocalEngineConsumers(string bootstrapServers)
    {
        var settings = new KafkaConsumerSettings();
        settings.Config.BootstrapServers = bootstrapServers;
        LocalEngine.ConfigureConsumer(settings);
        return new KafkaConsumerFactory<byte[]?, byte[]?>(settings, new KafkaClientLog(NullLogger.Instance), metrics: null);
    }
}
