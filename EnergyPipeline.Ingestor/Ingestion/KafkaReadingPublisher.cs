using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Memory;
using EnergyPipeline.ServiceDefaults.Threading;

namespace EnergyPipeline.Ingestor.Ingestion;

/// <summary>
/// Sends each reading as it is parsed (callback form of Produce, no await per message) and accounts for every
/// delivery report. The first failed delivery stops the read and fails the run; the run only succeeds when
/// every produced message was acknowledged. Readings are grouped into "publish" spans of a fixed row count,
/// each ending when its last acknowledgement arrives.
/// </summary>
/// <remarks>
/// Two threads: the reading thread renders each reading's key and value into a <see cref="RenderedReadings"/> batch
/// (<see cref="OnReading"/>), and a producing thread of its own sends the full batches in order, polls for the
/// delivery reports and keeps the spans (<see cref="BatchHandOff{TBatch}"/>), so parsing the file and the client's
/// per-message work use both cores.
/// </remarks>
public sealed class KafkaReadingPublisher : IHouseholdReadingSink, IDisposable
{
    /// <summary>Batches of about 3,500 readings: one being rendered, one being sent, two waiting.</summary>
    private const int MaxBatches = 4;

    /// <summary>Messages between two polls for delivery reports: a small share of the 100,000-message queue.</summary>
    public const int PollEvery = 1000;

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly Message<byte[], byte[]> _message;

    /// <summary>One value array per length, reused: Produce copies the bytes before it returns (see the constructor).</summary>
    private readonly byte[]?[] _valuesByLength = new byte[]?[EnergyReadingJson.MaxLength + 1];
    private readonly ActivityContext _runContext;
    private readonly int _rowsPerBatch;
    private readonly BatchHandOff<RenderedReadings> _rendered;
    private readonly YoungGenerationBound _youngGeneration = new();
    private PublishBatch? _batch;
    private long _produced;
    private long _delivered;
    private long _failed;
    private string? _firstError;
    private readonly DeliveredOffsetRuns _offsets = new();
    private DateTime? _firstReading;
    private DateTime? _lastReading;

    public KafkaReadingPublisher(IProducer<byte[], byte[]> producer, string topic, ActivityContext runContext, int rowsPerBatch)
    {
        _producer = producer;
        _topic = topic;
        // One message object for every reading, without headers (the completion record names the run, its file and
        // its trace): Produce copies key and value into librdkafka's memory before it returns (SafeKafkaHandle.Produce,
        // MSG_F_COPY), so value arrays are reused; the delivery report hands back the key object it was given
        // (dotnet.producer.delivery.report.fields), so each reading gets its own key array.
        _message = new Message<byte[], byte[]> { Key = [], Value = [] };
        _runContext = runContext;
        _rowsPerBatch = rowsPerBatch;
        _rendered = new BatchHandOff<RenderedReadings>("Producing", () => new RenderedReadings(), Send, batch => batch.Clear(), MaxBatches);
    }

    public long Produced => Interlocked.Read(ref _produced);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Failed => Interlocked.Read(ref _failed);

    public string? FirstError => Volatile.Read(ref _firstError);

    public bool ShouldStop => FirstError is not null;

    /// <summary>Earliest and latest reading produced.</summary>
    public (DateTime? First, DateTime? Last) ReadingRange => (_firstReading, _lastReading);

    /// <summary>The offsets the acknowledged messages occupy, per partition, as sorted coalesced runs from the delivery reports.</summary>
    public IReadOnlyList<PartitionOffsetRuns> DeliveredOffsets => _offsets.Runs();

    /// <summary>The message key of a reading (docs/contract.md, *Message contract*): its minute, <see cref="Kafka.MessageKey"/>.</summary>
    public static byte[] Key(in HouseholdReading reading) => Kafka.MessageKey.Utf8(reading.Timestamp);

    /// <summary>The message value of a reading, written into <paramref name="destination"/> (<see cref="EnergyReadingJson.MaxLength"/> bytes); returns its length.</summary>
    public static int WriteValue(in HouseholdReading reading, Span<byte> destination) => EnergyReadingJson.Write(destination, reading.ToThousandths());

    public void OnReading(in HouseholdReading reading, long lineNumber)
    {
        if (_firstReading is null || reading.Timestamp < _firstReading) _firstReading = reading.Timestamp;
        if (_lastReading is null || reading.Timestamp > _lastReading) _lastReading = reading.Timestamp;
        var rendered = _rendered.Filling;
        rendered.Add(reading, lineNumber);
        if (rendered.IsFull)
        {
            _rendered.HandOver();
        }
    }

    /// <summary>Sends one batch of rendered readings, on the producing thread; after a failure, nothing more.</summary>
    private void Send(RenderedReadings rendered)
    {
        var message = _message;
        for (var i = 0; i < rendered.Count && !ShouldStop; i++)
        {
            var source = rendered.Value(i);
            var value = _valuesByLength[source.Length] ??= new byte[source.Length];
            source.CopyTo(value);
            message.Key = rendered.Key(i);
            message.Value = value;
            Produce(message, rendered.LineNumber(i));
        }
    }

    private void Produce(Message<byte[], byte[]> message, long lineNumber)
    {
        _batch ??= new PublishBatch(this);
        var batch = _batch;
        batch.Add();
        while (true)
        {
            try
            {
                _producer.Produce(_topic, message, batch.OnDelivered);
                break;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue is full: let librdkafka send some, then try again.
                _producer.Flush(TimeSpan.FromMilliseconds(50));
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                batch.Remove();
                Fail($"line {lineNumber} could not be produced: {ex.Error.Code} {ex.Error.Reason}");
                return;
            }
        }

        var produced = Interlocked.Increment(ref _produced);
        _youngGeneration.Tick();
        if (produced % PollEvery == 0)
        {
            // Serves the delivery reports that arrived (IngestorProducerConfig: no background poll thread).
            _producer.Poll(TimeSpan.Zero);
        }

        if (batch.Size == _rowsPerBatch)
        {
            batch.Close();
            _batch = null;
        }
    }

    /// <summary>
    /// Waits until every produced message has its delivery report (or the timeout passes).
    /// Returns null on success, otherwise the reason the run failed.
    /// </summary>
    public string? Complete(TimeSpan timeout)
    {
        _rendered.Complete();
        _batch?.Close();
        _batch = null;
        var deadline = Stopwatch.StartNew();
        var remaining = _producer.Flush(timeout);
        while (remaining > 0 && deadline.Elapsed < timeout)
        {
            remaining = _producer.Flush(timeout - deadline.Elapsed);
        }

        // Flush serves the delivery reports on this thread; should configuration turn the background poll thread back
        // on, they run there, and Flush can return before the last handler finished.
        var waitForHandlers = Stopwatch.StartNew();
        while (Delivered + Failed < Produced && waitForHandlers.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(5);
        }

        if (FirstError is { } error)
        {
            return $"{Failed} of {Produced} messages were not delivered; first failure: {error}";
        }

        if (remaining > 0 || Delivered != Produced)
        {
            return $"only {Delivered} of {Produced} messages were acknowledged within {timeout.TotalSeconds:F0} s";
        }

        return null;
    }

    /// <summary>Stops the producing thread; what it had not sent stays unsent (the read failed or was cancelled).</summary>
    public void Dispose() => _rendered.Dispose();

    private void Fail(string reason)
    {
        Interlocked.CompareExchange(ref _firstError, reason, null);
    }

    private void OnDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            IngestionTelemetry.DeliveryFailures.Add(1);
            Fail($"key {Encoding.UTF8.GetString(report.Message.Key)}: {report.Error.Code} {report.Error.Reason}");
            return;
        }

        _offsets.Add(report.Partition.Value, report.Offset.Value);

        Interlocked.Increment(ref _delivered);
        IngestionTelemetry.RowsSent.Add(1);
        if (report.Message.Timestamp.Type != TimestampType.NotAvailable)
        {
            var latency = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - report.Message.Timestamp.UnixTimestampMs;
            IngestionTelemetry.ProduceLatency.Record(Math.Max(0, latency));
        }
    }

    /// <summary>
    /// One "publish" span. Pending starts at 1 (the open batch itself); each produce adds one, each delivery and
    /// the close remove one: whoever brings it to zero ends the span, on whatever thread that is.
    /// </summary>
    private sealed class PublishBatch
    {
        private readonly KafkaReadingPublisher _owner;
        private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
        private int _pending = 1;
        private int _failed;

        public PublishBatch(KafkaReadingPublisher owner)
        {
            _owner = owner;
            OnDelivered = Delivered;
        }

        public Action<DeliveryReport<byte[], byte[]>> OnDelivered { get; }

        public int Size { get; private set; }

        public void Add()
        {
            Size++;
            Interlocked.Increment(ref _pending);
        }

        public void Remove()
        {
            Size--;
            Release();
        }

        public void Close() => Release();

        private void Delivered(DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
            }

            _owner.OnDelivered(report);
            Release();
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                EmitSpan();
            }
        }

        private void EmitSpan()
        {
            var previous = Activity.Current;
            var activity = IngestionTelemetry.Source.StartActivity(
                $"publish {_owner._topic}", ActivityKind.Producer, _owner._runContext, startTime: _start);
            if (activity is not null)
            {
                activity.SetTag("messaging.system", "kafka");
                activity.SetTag("messaging.destination.name", _owner._topic);
                activity.SetTag("messaging.operation", "publish");
                activity.SetTag("messaging.operation.type", "send");
                activity.SetTag("messaging.batch.message_count", Size);
                if (_failed > 0)
                {
                    activity.SetTag("energy.delivery_failures", _failed);
                    activity.SetStatus(ActivityStatusCode.Error, $"{_failed} deliveries failed");
                }

                activity.Stop();
            }

            Activity.Current = previous;
        }
    }
}
