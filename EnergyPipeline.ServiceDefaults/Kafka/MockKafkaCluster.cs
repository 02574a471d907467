using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// librdkafka's built-in mock Kafka cluster (rdkafka_mock.h), started through P/Invoke into the native
/// library that Confluent.Kafka loaded. It speaks the real Kafka protocol on 127.0.0.1, so the project's
/// real producer and consumer code runs against it. Limits: data-plane calls only,
/// no admin CreateTopics, at most 5 MiB of batches per partition. Dispose clients before the cluster.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private const int ProducerType = 0;

    /// <summary>The broker id librdkafka's mock API reads as "every broker" (rdkafka_mock.h).</summary>
    private const int AllBrokers = -1;
    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;
    private bool _disposed;

    public MockKafkaCluster(int brokers = 1)
    {
        _handle = CreateHandle();

        _cluster = Native.ClusterNew(_handle, brokers);
        if (_cluster == IntPtr.Zero)
        {
            Native.Destroy(_handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(Native.ClusterBootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap address.");
        Check(Native.SetControllerId(_cluster, 1), "rd_kafka_mock_set_controller_id");
    }

    /// <summary><c>host:port[,host:port]</c> of the mock brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Creates a topic on the cluster (the admin API is not served by the mock).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1) =>
        Check(Native.TopicCreate(_cluster, topic, partitions, replicationFactor), $"creating topic {topic}");

    /// <summary>
    /// Creates a data topic and its control topic of completion records (1 partition), as the ingestor would on a
    /// real cluster.
    /// </summary>
    public void CreatePipelineTopics(string topic, int partitions)
    {
        CreateTopic(topic, partitions);
        CreateTopic(EnergyPipeline.Messaging.RawEnergyTopic.CompletionTopic(topic), 1);
    }

    /// <summary>Takes a broker down: its connections are closed and new ones refused.</summary>
    public void SetBrokerDown(int brokerId) => Check(Native.BrokerSetDown(_cluster, brokerId), "rd_kafka_mock_broker_set_down");

    public void SetBrokerUp(int brokerId) => Check(Native.BrokerSetUp(_cluster, brokerId), "rd_kafka_mock_broker_set_up");

    /// <summary>Delays every answer of every broker by <paramref name="roundTrip"/>, as a distant broker would (zero: none).</summary>
    public void SetRoundTripTime(TimeSpan roundTrip) =>
        Check(Native.BrokerSetRoundTripTime(_cluster, AllBrokers, (int)roundTrip.TotalMilliseconds), "rd_kafka_mock_broker_set_rtt");

    /// <summary>Makes metadata responses report <paramref name="error"/> for the topic (<see cref="Confluent.Kafka.ErrorCode.NoError"/> clears it).</summary>
    public void SetTopicError(string topic, Confluent.Kafka.ErrorCode error) => Native.TopicSetError(_cluster, topic, (int)error);

    private static unsafe IntPtr CreateHandle()
    {
        const int errorSize = 512;
        var error = stackalloc byte[errorSize];
        var conf = Native.ConfNew();
        // The handle only hosts the cluster: its notice that no bootstrap.servers is set is noise on the console.
        Native.ConfSet(conf, "log_level", "3", error, errorSize);
        var handle = Native.New(ProducerType, conf, error, errorSize);
        return handle != IntPtr.Zero
            ? handle
            : throw new InvalidOperationException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((IntPtr)error)}");
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Native.ClusterDestroy(_cluster);
        Native.Destroy(_handle);
    }

    private static void Check(int errorCode, string what)
    {
        if (errorCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {(ErrorCode)errorCode}");
        }
    }

    /// <summary>Binds to the librdkafka that Confluent.Kafka itself loaded, wherever it came from.</summary>
    private static unsafe class Native
    {
        private static readonly IntPtr Library = LoadLibrdkafka();

        public static IntPtr ConfNew() =>
            ((delegate* unmanaged[Cdecl]<IntPtr>)Export("rd_kafka_conf_new"))();

        public static int ConfSet(IntPtr conf, string name, string value, byte* error, nuint errorSize)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
            var valueBytes = Encoding.UTF8.GetBytes(value + "\0");
            fixed (byte* n = nameBytes, v = valueBytes)
            {
                return ((delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, byte*, nuint, int>)Export("rd_kafka_conf_set"))(conf, n, v, error, errorSize);
            }
        }

        public static IntPtr New(int type, IntPtr conf, byte* error, nuint errorSize) =>
            ((delegate* unmanaged[Cdecl]<int, IntPtr, byte*, nuint, IntPtr>)Export("rd_kafka_new"))(type, conf, error, errorSize);

        public static void Destroy(IntPtr handle) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Export("rd_kafka_destroy"))(handle);

        public static IntPtr ClusterNew(IntPtr handle, int brokers) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Export("rd_kafka_mock_cluster_new"))(handle, brokers);

        public static void ClusterDestroy(IntPtr cluster) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Export("rd_kafka_mock_cluster_destroy"))(cluster);

        public static IntPtr ClusterBootstraps(IntPtr cluster) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Export("rd_kafka_mock_cluster_bootstraps"))(cluster);

        public static int TopicCreate(IntPtr cluster, string topic, int partitions, int replicationFactor)
        {
            var name = Encoding.UTF8.GetBytes(topic + "\0");
            fixed (byte* p = name)
            {
                return ((delegate* unmanaged[Cdecl]<IntPtr, byte*, int, int, int>)Export("rd_kafka_mock_topic_create"))(
                    cluster, p, partitions, replicationFactor);
            }
        }

        public static void TopicSetError(IntPtr cluster, string topic, int error)
        {
            var name = Encoding.UTF8.GetBytes(topic + "\0");
            fixed (byte* p = name)
            {
                ((delegate* unmanaged[Cdecl]<IntPtr, byte*, int, void>)Export("rd_kafka_mock_topic_set_error"))(cluster, p, error);
            }
        }

        public static int SetControllerId(IntPtr cluster, int brokerId) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, int, int>)Export("rd_kafka_mock_set_controller_id"))(cluster, brokerId);

        public static int BrokerSetDown(IntPtr cluster, int brokerId) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, int, int>)Export("rd_kafka_mock_broker_set_down"))(cluster, brokerId);

        public static int BrokerSetUp(IntPtr cluster, int brokerId) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, int, int>)Export("rd_kafka_mock_broker_set_up"))(cluster, brokerId);

        public static int BrokerSetRoundTripTime(IntPtr cluster, int brokerId, int milliseconds) =>
            ((delegate* unmanaged[Cdecl]<IntPtr, int, int, int>)Export("rd_kafka_mock_broker_set_rtt"))(cluster, brokerId, milliseconds);

        private static IntPtr Export(string name) => NativeLibrary.GetExport(Library, name);

        private static IntPtr LoadLibrdkafka()
        {
            // Touching the version makes Confluent.Kafka load its native library (it picks the build that
            // loads on this platform); the mapped file then tells which one it is.
            _ = Confluent.Kafka.Library.Version;
            var path = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : string.Empty)
                .FirstOrDefault(p => Path.GetFileName(p).EndsWith("librdkafka.so", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("Confluent.Kafka has not loaded librdkafka.");
            return NativeLibrary.Load(path);
        }
    }
}
