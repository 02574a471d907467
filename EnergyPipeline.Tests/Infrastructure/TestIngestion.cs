using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// Messages produced by hand as one ingestion run would send them (key and value, no headers), and the completion
/// record the ingestor writes once every delivery is confirmed, with the offset runs of its delivery reports: the job
/// uses no message that no completion record covers. The topic and its control topic must exist
/// (<see cref="MockKafkaCluster.CreatePipelineTopics"/>).
/// </summary>
internal sealed class TestIngestion : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private readonly string? _traceParent;
    private readonly ConcurrentQueue<(int Partition, long Offset)> _delivered = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private DateTime? _first;
    private DateTime? _last;

    public TestIngestion(string bootstrapServers, string topic = RawEnergyTopic.Name, string? traceParent = null, string sourceSha256 = "test-file-sha256")
    {
        _producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            MessageMaxBytes = 2 * 1024 * 1024,
        }).SetLogHandler((_, _) => { }).Build();
        _topic = topic;
        _traceParent = traceParent;
        SourceSha256 = sourceSha256;
    }

    public string RunId { get; } = Guid.CreateVersion7().ToString();

    public string SourceSha256 { get; }

    public int Sent { get; private set; }

    /// <summary>The (partition, offset) of every delivered message, in no particular order.</summary>
    public IReadOnlyCollection<(int Partition, long Offset)> Delivered => _delivered;

    public void Send(byte[]? key, byte[]? value, DateTime? reading = null)
    {
        if (reading is { } at)
        {
            _first = _first is null || at < _first ? at : _first;
            _last = _last is null || at > _last ? at : _last;
        }

        _producer.Produce(_topic, new Message<byte[]?, byte[]?> { Key = key, Value = value }, report =>
        {
            if (report.Error.IsError)
            {
                _errors.Enqueue(report.Error.Reason);
            }
            else
            {
                _delivered.Enqueue((report.Partition.Value, report.Offset.Value));
            }
        });
        Sent++;
    }

    public void Send(EnergyReading reading) => Send(
        Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(reading.Timestamp)), EnergyReadingJson.Serialize(reading), reading.Timestamp);

    /// <summary>Waits for every delivery report; throws on a failed delivery.</summary>
    public void Flush()
    {
        Assert.Equal(0, _producer.Flush(TimeSpan.FromSeconds(30)));
        SpinWait.SpinUntil(() => _delivered.Count + _errors.Count == Sent, TimeSpan.FromSeconds(10));
        Assert.Empty(_errors);
        Assert.Equal(Sent, _delivered.Count);
    }

    /// <summary>
    /// Flushes, then writes the completion record built from the delivery reports, as the ingestor does; unsigned,
    /// unless <paramref name="finish"/> signs it (<see cref="CompletionKey.Sign"/>) or makes another record of it.
    /// </summary>
    public IngestionCompletion Complete(Func<IngestionCompletion, IngestionCompletion>? finish = null)
    {
        Flush();
        var completion = new IngestionCompletion(RunId, SourceSha256, Sent, _first, _last, OffsetRunsOf(_delivered), _traceParent, DateTimeOffset.UtcNow);
        completion = finish?.Invoke(completion) ?? completion;
        Record(_producer, _topic, completion);
        return completion;
    }

    /// <summary>Writes <paramref name="completion"/> to the control topic of <paramref name="topic"/>.</summary>
    public static void Record(IProducer<byte[]?, byte[]?> producer, string topic, IngestionCompletion completion)
    {
        var delivery = producer.ProduceAsync(RawEnergyTopic.CompletionTopic(topic), new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(completion.RunId),
            Value = completion.ToJsonBytes(),
        }).GetAwaiter().GetResult();
        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
    }

    /// <summary>
    /// Offsets as the completion record lists them, worked out here: per partition in order, runs of consecutive
    /// offsets, each [first, last].
    /// </summary>
    public static List<PartitionOffsetRuns> OffsetRunsOf(IEnumerable<(int Partition, long Offset)> offsets) =>
        offsets.GroupBy(o => o.Partition).OrderBy(g => g.Key).Select(g =>
        {
            var runs = new List<OffsetRun>();
            foreach (var offset in g.Select(o => o.Offset).Order())
            {
                if (runs.Count > 0 && runs[^1].Last + 1 == offset)
                {
                    runs[^1] = new OffsetRun(runs[^1].First, offset);
                }
                else
                {
                    runs.Add(new OffsetRun(offset, offset));
                }
            }

            return new PartitionOffsetRuns(g.Key, runs);
        }).ToList();

    public void Dispose() => _producer.Dispose();
}
