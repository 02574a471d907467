using System.Runtime.CompilerServices;
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
/// Memory is one 32-byte slot per minute (the measures in 3 bytes each, offset and partition in 8), allocated a day (1,440 minutes) at
/// a time on the pinned object heap (never copied from one generation to the next), found per message by array
/// index (no dictionary): a table of day pages from the earliest day seen to the latest, one reference per day
/// (at most 29 MB should keys span every day of DateTime's range).
/// </summary>
public sealed class QuarterlyAggregator
{
    /// <summary>Samples kept per reason: enough to find the messages, bounded whatever the topic holds.</summary>
    public const int DefaultSamplesPerReason = 5;
    private const int MinutesPerDay = 1440;
    private static readonly int LastDay = (int)(DateTime.MaxValue.Ticks / TimeSpan.TicksPerDay);
    private const int Measures = 7;

    private static readonly Dictionary<string, int> RuleIndex =
        ReadingValidity.Rules.Select((rule, index) => (rule.Reason, index)).ToDictionary(r => r.Reason, r => r.index, StringComparer.Ordinal);

    private MinuteSlot[]?[] _days = [];
    private int _firstDay;
    private readonly long[] _invalidByRule = new long[ReadingValidity.Rules.Count];
    private readonly List<InvalidMessage>[] _samplesByRule;
    private readonly int _samplesPerReason;
    private long _messages;
    private long _duplicates;
    private long _invalid;
    private long[] _winningByIngestion = [];

    public QuarterlyAggregator(int samplesPerReason = DefaultSamplesPerReason)
    {
        if (!PackedMeasures.HoldEveryValidValue)
        {
            throw new InvalidOperationException(
                $"A measure's bounds (ReadingValidity.Measures) leave 0 to {PackedMeasures.MaxValue / 1000m} units, the range the aggregator packs into 3 bytes: widen PackedMeasures.");
        }

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

    /// <summary>Adds one message of the ingestion numbered <paramref name="ingestion"/> whose key or value may be absent (Kafka's null).</summary>
    /// <remarks>Jitted optimized at once, as <see cref="Store"/> and <see cref="Complete"/>: see <see cref="ReadingValidator"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? Add(int partition, long offset, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ushort ingestion)
    {
        _messages++;
        if ((ulong)offset > MinuteSlot.MaxOffset || (uint)partition > MinuteSlot.MaxPartition)
        {
            throw new InvalidOperationException(
                $"Partition {partition} offset {offset} is beyond what the aggregator keeps per minute (partitions up to {MinuteSlot.MaxPartition}, " +
                $"offsets up to {MinuteSlot.MaxOffset}); nothing was published.");
        }

        var reason = ReadingValidator.Check(key, hasKey, value, hasValue, out var reading);
        if (reason is null)
        {
            var slot = new MinuteSlot { Offset = offset, PartitionPlusOne = partition + 1, MissingMask = reading.MissingMask, Ingestion = ingestion };
            for (var i = 0; i < Measures; i++)
            {
                // Within the packed range: a valid reading keeps the validity bounds (checked in the constructor).
                slot.Measures.Set(i, (int)reading.Thousandths[i]);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Store(DateTime timestamp, in MinuteSlot slot)
    {
        var day = (int)(timestamp.Ticks / TimeSpan.TicksPerDay);
        var minute = (int)(timestamp.Ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerMinute);
        var index = day - _firstDay;
        if ((uint)index >= (uint)_days.Length)
        {
            index = Cover(day);
        }

        var slots = _days[index] ??= GC.AllocateArray<MinuteSlot>(MinutesPerDay, pinned: true);
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

    /// <summary>
    /// Widens the day table to hold <paramref name="day"/>, at least doubling it on the side that grows (a few
    /// copies of references however the days arrive); returns the day's index.
    /// </summary>
    private int Cover(int day)
    {
        if (_days.Length == 0)
        {
            _days = new MinuteSlot[]?[64];
            _firstDay = day;
            return 0;
        }

        var lastDay = _firstDay + _days.Length - 1;
        var newFirst = day < _firstDay ? Math.Max(0, Math.Min(day, _firstDay - _days.Length)) : _firstDay;
        var newLast = day > lastDay ? Math.Min(LastDay, Math.Max(day, lastDay + _days.Length)) : lastDay;
        var wider = new MinuteSlot[]?[newLast - newFirst + 1];
        Array.Copy(_days, 0, wider, _firstDay - newFirst, _days.Length);
        _days = wider;
        _firstDay = newFirst;
        return day - _firstDay;
    }

    /// <summary>The figures of every quarter with at least one reading, in quarter order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public AggregationResult Complete()
    {
        var quarters = new List<QuarterFigures>();
        QuarterAccumulator? current = null;
        for (var index = 0; index < _days.Length; index++)
        {
            if (_days[index] is not { } slots)
            {
                continue;
            }

            var dayStart = new DateTime((_firstDay + index) * TimeSpan.TicksPerDay);
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
        /// <summary>Offsets below 2^40 (a thousand messages a second into one partition for 34 years) and partitions below 2^24 - 1.</summary>
        public const long MaxOffset = (1L << 40) - 1;
        public const int MaxPartition = (1 << PartitionBits) - 2;

        private const int PartitionBits = 24;
        private const ulong PartitionMask = (1UL << PartitionBits) - 1;
        private const byte InvalidFlag = 0x80;

        /// <summary>The offset, then the partition + 1 (0: no copy yet), in one word: 8 bytes instead of 12.</summary>
        private ulong _position;

        public long Offset
        {
            readonly get => (long)(_position >> PartitionBits);
            set => _position = ((ulong)value << PartitionBits) | (_position & PartitionMask);
        }

        public int PartitionPlusOne
        {
            readonly get => (int)(_position & PartitionMask);
            set => _position = (_position & ~PartitionMask) | (uint)value;
        }

        public PackedMeasures Measures;

        /// <summary>Bits 0-6: the missing measures; bit 7: <see cref="Invalid"/>.</summary>
        private byte _flags;

        /// <summary>The ingestion of the deciding copy, as numbered by the caller.</summary>
        public ushort Ingestion;

        public byte MissingMask
        {
            readonly get => (byte)(_flags & ~InvalidFlag);
            set => _flags = (byte)((_flags & InvalidFlag) | (value & ~InvalidFlag));
        }

        /// <summary>The deciding copy so far broke the contract: the minute has no reading unless a newer valid copy comes.</summary>
        public bool Invalid
        {
            readonly get => (_flags & InvalidFlag) != 0;
            set => _flags = (byte)(value ? _flags | InvalidFlag : _flags & ~InvalidFlag);
        }

        public readonly MeasureValues Values
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => new()
            {
                GlobalActivePower = Measures.Get(0),
                GlobalReactivePower = Measures.Get(1),
                Voltage = Measures.Get(2),
                GlobalIntensity = Measures.Get(3),
                SubMetering1 = Measures.Get(4),
                SubMetering2 = Measures.Get(5),
                SubMetering3 = Measures.Get(6),
            };
        }

        public readonly bool Has(int measure) => (_flags & (1 << measure)) == 0;
    }

    /// <summary>
    /// The seven measures in thousandths, 3 bytes each (0 to 16,777.215 units): every valid value fits, as the
    /// validity bounds are 0 to 1,000 units (the sub-meterings' Wh): 21 bytes instead of 28.
    /// </summary>
    [InlineArray(Measures * BytesPerMeasure)]
    internal struct PackedMeasures
    {
        public const int MaxValue = (1 << (8 * BytesPerMeasure)) - 1;
        private const int BytesPerMeasure = 3;

        public static readonly bool HoldEveryValidValue =
            ReadingValidity.Measures.All(m => m.Minimum >= 0 && m.Maximum * 1000 <= MaxValue);

        private byte _element0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly int Get(int measure)
        {
            ReadOnlySpan<byte> bytes = this;
            var at = measure * BytesPerMeasure;
            return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int measure, int value)
        {
            Span<byte> bytes = this;
            var at = measure * BytesPerMeasure;
            bytes[at] = (byte)value;
            bytes[at + 1] = (byte)(value >> 8);
            bytes[at + 2] = (byte)(value >> 16);
        }
    }

    /// <summary>The seven measures in thousandths, in the contract's order.</summary>
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
