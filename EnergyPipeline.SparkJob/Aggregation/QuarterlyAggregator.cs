using System.Runtime.InteropServices;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>
/// The job's one aggregation (docs/contract.md, *quarterly_energy_data*), fed message by message in any order:
/// <list type="bullet">
/// <item>each message gets the verdict of <see cref="ReadingValidator"/> (the rules of <see cref="ReadingValidity"/>,
/// shared with the Spark plan): valid, with the reading in thousandths, or invalid with the reason of the first rule
/// it breaks. Invalid messages are counted by reason, with a few samples (partition, offset) of every reason;</item>
/// <item>de-duplication by key, as Kafka's compaction keeps keys: the copy with the highest offset decides the
/// minute. A valid copy is the minute's reading; an invalid one (a tombstone included) leaves the minute out, and no
/// older copy is used, so compacting the topic never changes a figure. Copies of one key share a partition by the
/// contract; should they not, the tie-break is the higher partition, so the result never depends on read order.
/// A message whose key names no whole minute competes for no minute;</item>
/// <item>a reading is complete when global_active_power is present. Every measure is taken from complete readings
/// only; a null measure inside a complete reading is skipped, as SQL's SUM and AVG skip nulls (the real file has no
/// such reading). A reading without global_active_power adds to reading_count and the first/last timestamps only;</item>
/// <item>sums are exact integers of thousandths; energies and averages are rounded half away from zero to
/// 3 decimals once, at the end.</item>
/// </list>
/// Memory is one 44-byte slot per minute, allocated a day (1,440 minutes) at a time.
/// </summary>
public sealed class QuarterlyAggregator
{
    /// <summary>Samples kept per reason: enough to find the messages, bounded whatever the topic holds.</summary>
    public const int DefaultSamplesPerReason = 5;
    private const int MinutesPerDay = 1440;
    private const int Measures = 7;

    private static readonly Dictionary<string, int> RuleIndex =
        ReadingValidity.Rules.Select((rule, index) => (rule.Reason, index)).ToDictionary(r => r.Reason, r => r.index, StringComparer.Ordinal);

    private readonly Dictionary<int, MinuteSlot[]> _days = [];
    private readonly long[] _invalidByRule = new long[ReadingValidity.Rules.Count];
    private readonly List<InvalidMessage>[] _samplesByRule;
    private readonly int _samplesPerReason;
    private long _messages;
    private long _duplicates;
    private long _invalid;
    private long[] _winningByIngestion = [];

    public QuarterlyAggregator(int samplesPerReason = DefaultSamplesPerReason)
    {
        _samplesPerReason = samplesPerReason;
        _samplesByRule = ReadingValidity.Rules.Select(_ => new List<InvalidMessage>()).ToArray();
    }

    public long MessagesRead => _messages;

    public long DuplicatesDropped => _duplicates;

    public long Invalid => _invalid;

    /// <summary>
    /// Adds one message as Kafka gives it (a null key or value is absent, not empty). Returns the reason when it
    /// breaks the contract (it is then counted as invalid), else null.
    /// </summary>
    public string? Add(int partition, long offset, byte[]? key, byte[]? value) => Add(partition, offset, key, value, ingestion: 0);

    /// <summary>
    /// Adds one message of the ingestion numbered <paramref name="ingestion"/> (its number in the snapshot's
    /// <c>Runs.OffsetAttribution</c>). The number stays with the minute while its copy decides it, so that
    /// <see cref="AggregationResult.WinningCopiesByIngestion"/> can tell which ingestions the figures come from.
    /// </summary>
    public string? Add(int partition, long offset, byte[]? key, byte[]? value, ushort ingestion) =>
        Add(partition, offset, key, key is not null, value, value is not null, ingestion);

    /// <summary>Adds one message with a key and a value.</summary>
    public string? Add(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        Add(partition, offset, key, hasKey: true, value, hasValue: true, ingestion: 0);

    private string? Add(int partition, long offset, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ushort ingestion)
    {
        _messages++;
        var reason = ReadingValidator.Check(key, hasKey, value, hasValue, out var reading);
        if (reason is null)
        {
            var slot = new MinuteSlot { Offset = offset, PartitionPlusOne = partition + 1, MissingMask = reading.MissingMask, Ingestion = ingestion };
            Span<int> thousandths = MemoryMarshal.CreateSpan(ref slot.Values.GlobalActivePower, Measures);
            for (var i = 0; i < Measures; i++)
            {
                // Within int: the validity bounds are far below 2,147,483.647.
                thousandths[i] = (int)reading.Thousandths[i];
            }

            Store(reading.Timestamp, slot);
            return null;
        }

        CountInvalid(partition, offset, reason);
        if (hasKey && RawEnergyTopic.TryParseKey(key, out var minute) && minute.Second == 0)
        {
            // The key names a minute: this copy decides it when it is the newest (the minute is then left out).
            Store(minute, new MinuteSlot { Offset = offset, PartitionPlusOne = partition + 1, Invalid = true, Ingestion = ingestion });
        }

        return reason;
    }

    private void CountInvalid(int partition, long offset, string reason)
    {
        _invalid++;
        var rule = RuleIndex[reason];
        _invalidByRule[rule]++;
        if (_samplesByRule[rule].Count < _samplesPerReason)
        {
            _samplesByRule[rule].Add(new InvalidMessage(partition, offset, reason));
        }
    }

    /// <summary>De-duplication by minute: the highest offset decides, then the highest partition; a valid copy that loses is a duplicate dropped.</summary>
    private void Store(DateTime timestamp, in MinuteSlot slot)
    {
        var day = (int)(timestamp.Ticks / TimeSpan.TicksPerDay);
        var minute = (int)(timestamp.Ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerMinute);
        if (!_days.TryGetValue(day, out var slots))
        {
            slots = new MinuteSlot[MinutesPerDay];
            _days.Add(day, slots);
        }

        ref var existing = ref slots[minute];
        if (existing.PartitionPlusOne != 0)
        {
            var newer = slot.Offset > existing.Offset || (slot.Offset == existing.Offset && slot.PartitionPlusOne > existing.PartitionPlusOne);
            if (!(newer ? existing : slot).Invalid)
            {
                _duplicates++;
            }

            if (!newer)
            {
                return;
            }
        }

        existing = slot;
    }

    /// <summary>The figures of every quarter with at least one reading, in quarter order.</summary>
    public AggregationResult Complete()
    {
        var quarters = new List<QuarterFigures>();
        QuarterAccumulator? current = null;
        foreach (var day in _days.Keys.Order())
        {
            var slots = _days[day];
            var dayStart = new DateTime(day * TimeSpan.TicksPerDay);
            var quarter = QuarterFigures.QuarterOf(dayStart);
            if (current is null || current.Quarter != quarter)
            {
                if (current is { HasReadings: true })
                {
                    quarters.Add(current.ToFigures());
                }

                current = new QuarterAccumulator(quarter);
            }

            for (var minute = 0; minute < MinutesPerDay; minute++)
            {
                ref readonly var slot = ref slots[minute];
                if (slot.PartitionPlusOne != 0 && !slot.Invalid)
                {
                    CountWinningCopy(slot.Ingestion);
                    current.Add(dayStart.AddMinutes(minute), slot);
                }
            }
        }

        // A quarter whose minutes were all decided by invalid copies has no reading and no row.
        if (current is { HasReadings: true })
        {
            quarters.Add(current.ToFigures());
        }

        var byReason = Enumerable.Range(0, _invalidByRule.Length)
            .Where(rule => _invalidByRule[rule] > 0)
            .Select(rule => new InvalidReasonCount(ReadingValidity.Rules[rule].Reason, _invalidByRule[rule], _samplesByRule[rule].ToArray()))
            .ToArray();
        return new AggregationResult(quarters, _messages, _duplicates, _invalid, byReason.SelectMany(r => r.Samples).ToArray(), byReason)
        {
            WinningCopiesByIngestion = _winningByIngestion,
        };
    }

    private void CountWinningCopy(ushort ingestion)
    {
        if (ingestion >= _winningByIngestion.Length)
        {
            Array.Resize(ref _winningByIngestion, ingestion + 1);
        }

        _winningByIngestion[ingestion]++;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct MinuteSlot
    {
        public long Offset;
        public int PartitionPlusOne;
        public MeasureValues Values;
        public byte MissingMask;

        /// <summary>The deciding copy so far broke the contract: the minute has no reading unless a newer valid copy comes.</summary>
        public bool Invalid;

        /// <summary>The ingestion of the deciding copy, as numbered by the caller.</summary>
        public ushort Ingestion;

        public readonly bool Has(int measure) => (MissingMask & (1 << measure)) == 0;
    }

    /// <summary>The seven measures in thousandths, in the contract's order.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct MeasureValues
    {
        public int GlobalActivePower;
        public int GlobalReactivePower;
        public int Voltage;
        public int GlobalIntensity;
        public int SubMetering1;
        public int SubMetering2;
        public int SubMetering3;
    }

    private sealed class QuarterAccumulator(DateOnly quarter)
    {
        private const int GlobalActivePower = 0;
        private const int GlobalReactivePower = 1;
        private const int Voltage = 2;
        private const int SubMetering1 = 4;
        private const int SubMetering2 = 5;
        private const int SubMetering3 = 6;

        private long _readings;
        private long _complete;
        private long _activePower;
        private int _peakActivePower = int.MinValue;
        private long _reactivePower;
        private long _voltage;
        private long _voltageCount;
        private long _subMetering1;
        private long _subMetering2;
        private long _subMetering3;
        private DateTime _first = DateTime.MaxValue;
        private DateTime _last = DateTime.MinValue;

        public DateOnly Quarter { get; } = quarter;

        public bool HasReadings => _readings > 0;

        public void Add(DateTime timestamp, in MinuteSlot slot)
        {
            _readings++;
            if (timestamp < _first) _first = timestamp;
            if (timestamp > _last) _last = timestamp;
            if (!slot.Has(GlobalActivePower))
            {
                return;
            }

            var values = slot.Values;
            _complete++;
            _activePower += values.GlobalActivePower;
            _peakActivePower = Math.Max(_peakActivePower, values.GlobalActivePower);
            if (slot.Has(GlobalReactivePower)) _reactivePower += values.GlobalReactivePower;
            if (slot.Has(Voltage))
            {
                _voltage += values.Voltage;
                _voltageCount++;
            }

            if (slot.Has(SubMetering1)) _subMetering1 += values.SubMetering1;
            if (slot.Has(SubMetering2)) _subMetering2 += values.SubMetering2;
            if (slot.Has(SubMetering3)) _subMetering3 += values.SubMetering3;
        }

        public QuarterFigures ToFigures()
        {
            // Power in kW thousandths -> energy in Wh thousandths: x / 1000 * 1000 / 60 * 1000 = x * 50 / 3.
            Int128 activeEnergyTimesThree = (Int128)_activePower * 50;
            var subMetered = _subMetering1 + _subMetering2 + _subMetering3;
            return new QuarterFigures(
                Quarter,
                TotalEnergyWh: FixedPoint.FromThousandths(FixedPoint.RoundedDivide(activeEnergyTimesThree, 3)),
                RecordCount: _complete,
                ReadingCount: _readings,
                MissingCount: _readings - _complete,
                SubMetering1Wh: FixedPoint.FromThousandths(_subMetering1),
                SubMetering2Wh: FixedPoint.FromThousandths(_subMetering2),
                SubMetering3Wh: FixedPoint.FromThousandths(_subMetering3),
                UnmeteredEnergyWh: FixedPoint.FromThousandths(
                    FixedPoint.RoundedDivide(activeEnergyTimesThree - (Int128)subMetered * 3, 3)),
                ReactiveEnergyVarh: FixedPoint.FromThousandths(FixedPoint.RoundedDivide((Int128)_reactivePower * 50, 3)),
                AvgVoltageV: _voltageCount == 0 ? null : FixedPoint.FromThousandths(FixedPoint.RoundedDivide(_voltage, _voltageCount)),
                AvgGlobalActivePowerKw: _complete == 0 ? null : FixedPoint.FromThousandths(FixedPoint.RoundedDivide(_activePower, _complete)),
                PeakGlobalActivePowerKw: _complete == 0 ? null : FixedPoint.FromThousandths(_peakActivePower),
                FirstReadingAt: _first,
                LastReadingAt: _last);
        }
    }
}
