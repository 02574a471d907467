using System.Runtime.InteropServices;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>
/// The job's one aggregation (DESIGN section 4), fed message by message in any order:
/// <list type="bullet">
/// <item>a value is read with the contract's reader (<see cref="EnergyReadingJson.TryReadThousandths"/>, straight into
/// thousandths; <see cref="EnergyReadingJson.TryParse"/>'s decimals for the rare measure that is not a whole number of
/// thousandths or does not fit a slot); a value that breaks the contract, a key that
/// is not the value's timestamp, a timestamp that is not a whole minute, or a measure with more than 3 decimals is
/// counted as invalid (partition, offset, reason) and otherwise ignored: it takes no part in de-duplication;</item>
/// <item>de-duplication by minute: the copy with the highest offset wins. Copies of one key share a partition by the
/// contract; should they not, the tie-break is the higher partition, so the result never depends on read order;</item>
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
    public const int DefaultInvalidSampleLimit = 20;
    private const int MinutesPerDay = 1440;
    private const int Measures = 7;

    private readonly Dictionary<int, MinuteSlot[]> _days = [];
    private readonly List<InvalidMessage> _invalidSamples = [];
    private readonly int _invalidSampleLimit;
    private long _messages;
    private long _duplicates;
    private long _invalid;
    private ushort _ingestion;
    private long[] _winningByIngestion = [];

    public QuarterlyAggregator(int invalidSampleLimit = DefaultInvalidSampleLimit) => _invalidSampleLimit = invalidSampleLimit;

    public long MessagesRead => _messages;

    public long DuplicatesDropped => _duplicates;

    public long Invalid => _invalid;

    /// <summary>Adds one message. Returns the reason when it breaks the contract (it is then counted as invalid), else null.</summary>
    public string? Add(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _messages++;
        var reason = TryAdd(partition, offset, key, value);
        if (reason is not null)
        {
            _invalid++;
            if (_invalidSamples.Count < _invalidSampleLimit)
            {
                _invalidSamples.Add(new InvalidMessage(partition, offset, reason));
            }
        }

        return reason;
    }

    /// <summary>
    /// Adds one message of the ingestion numbered <paramref name="ingestion"/> in the caller's run-id table (0: the
    /// message carries no run id). The number stays with the minute while its copy wins, so that
    /// <see cref="AggregationResult.WinningCopiesByIngestion"/> can tell which ingestions the figures come from.
    /// </summary>
    public string? Add(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ushort ingestion)
    {
        _ingestion = ingestion;
        return Add(partition, offset, key, value);
    }

    private string? TryAdd(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        switch (EnergyReadingJson.TryReadThousandths(value, out var reading, out var error))
        {
            case ThousandthsRead.Invalid:
                return error ?? "value breaks the contract";
            case ThousandthsRead.NotThousandths:
                return TryAddDecimals(partition, offset, key, value);
        }

        var timestamp = reading.Timestamp;
        if (!RawEnergyTopic.TryParseKey(key, out var keyMinute) || keyMinute != timestamp)
        {
            return "key is not the value's timestamp";
        }

        if (timestamp.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            return "timestamp is not a whole minute";
        }

        var slot = new MinuteSlot { Offset = offset, PartitionPlusOne = partition + 1, MissingMask = reading.MissingMask };
        Span<int> thousandths = MemoryMarshal.CreateSpan(ref slot.Values.GlobalActivePower, Measures);
        for (var i = 0; i < Measures; i++)
        {
            var measure = reading.Thousandths[i];
            if (measure is < int.MinValue or > int.MaxValue)
            {
                // Beyond a slot: the decimal path words the reason exactly as before.
                return TryAddDecimals(partition, offset, key, value);
            }

            thousandths[i] = (int)measure;
        }

        Store(timestamp, slot);
        return null;
    }

    /// <summary>
    /// The path through <see cref="EnergyReadingJson.TryParse"/>'s decimals, for the rare value with a measure that is
    /// not a whole number of thousandths or does not fit a slot: same checks, in the same order, same reasons.
    /// </summary>
    private string? TryAddDecimals(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!EnergyReadingJson.TryParse(value, out var reading, out var error))
        {
            return error ?? "value breaks the contract";
        }

        var timestamp = reading!.Timestamp;
        if (!RawEnergyTopic.TryParseKey(key, out var keyMinute) || keyMinute != timestamp)
        {
            return "key is not the value's timestamp";
        }

        if (timestamp.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            return "timestamp is not a whole minute";
        }

        var slot = new MinuteSlot { Offset = offset, PartitionPlusOne = partition + 1 };
        Span<decimal?> measures =
        [
            reading.GlobalActivePower, reading.GlobalReactivePower, reading.Voltage, reading.GlobalIntensity,
            reading.SubMetering1, reading.SubMetering2, reading.SubMetering3,
        ];
        Span<int> thousandths = MemoryMarshal.CreateSpan(ref slot.Values.GlobalActivePower, Measures);
        for (var i = 0; i < Measures; i++)
        {
            if (measures[i] is not { } measure)
            {
                slot.MissingMask |= (byte)(1 << i);
            }
            else if (!FixedPoint.TryToThousandths(measure, out thousandths[i]))
            {
                return $"measure {i + 1} ({measure}) has more than 3 decimals or is out of range";
            }
        }

        Store(timestamp, slot);
        return null;
    }

    /// <summary>De-duplication by minute: the highest offset wins, then the highest partition.</summary>
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
            _duplicates++;
            if (slot.Offset < existing.Offset || (slot.Offset == existing.Offset && slot.PartitionPlusOne < existing.PartitionPlusOne))
            {
                return;
            }
        }

        existing = slot;
        existing.Ingestion = _ingestion;
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
                if (current is not null)
                {
                    quarters.Add(current.ToFigures());
                }

                current = new QuarterAccumulator(quarter);
            }

            for (var minute = 0; minute < MinutesPerDay; minute++)
            {
                ref readonly var slot = ref slots[minute];
                if (slot.PartitionPlusOne != 0)
                {
                    CountWinningCopy(slot.Ingestion);
                    current.Add(dayStart.AddMinutes(minute), slot);
                }
            }
        }

        if (current is not null)
        {
            quarters.Add(current.ToFigures());
        }

        return new AggregationResult(quarters, _messages, _duplicates, _invalid, _invalidSamples.ToArray())
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
