namespace Aspire.Hosting;

/// <summary>
/// The images of the Kafka integration, pinned, in the shape of Aspire.Hosting.Kafka's class of the same name
/// (public here so the app-model tests assert against it). Zookeeper mode, as the user's design asks: the official
/// package runs confluent-local in KRaft mode instead.
/// </summary>
public static class KafkaContainerImageTags
{
    /// <remarks>docker.io</remarks>
    public const string Registry = "docker.io";

    /// <remarks>confluentinc/cp-kafka</remarks>
    public const string Image = "confluentinc/cp-kafka";

    /// <remarks>7.5.0</remarks>
    public const string Tag = "7.5.0";

    /// <remarks>confluentinc/cp-zookeeper</remarks>
    public const string ZookeeperImage = "confluentinc/cp-zookeeper";

    /// <remarks>7.5.0, always the broker's release.</remarks>
    public const string ZookeeperTag = Tag;

    /// <remarks>kafbat/kafka-ui, the maintained fork of provectuslabs/kafka-ui that Aspire moved to.</remarks>
    public const string KafkaUiImage = "kafbat/kafka-ui";

    /// <remarks>v1.4.2</remarks>
    public const string KafkaUiTag = "v1.4.2";
}
