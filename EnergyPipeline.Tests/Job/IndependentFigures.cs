using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The figures of quarterly_energy_data (docs/contract.md, *quarterly_energy_data*) computed the plain way: decimal sums of the readings kept, Math.Round at the end.
/// A different path from the job's integer thousandths, used as the reference in the tests.
/// </summary>
internal static class IndependentFigures
{
    /// <summary>Expected figures of the given final readings (one per minute), in quarter order.</summary>
    public static List<QuarterFigures> Of(IEnumerable<EnergyReading> readings)
    {
        var quarters = new SortedDictionary<DateOnly, DecimalQuarter>();
        foreach (var reading in readings)
        {
            var start = QuarterStart(reading.Timestamp);
            if (!quarters.TryGetValue(start, out var quarter))
            {
                quarters[start] = quarter = new DecimalQuarter();
            }

            quarter.Add(reading);
        }

        return quarters.Select(q => q.Value.ToFigures(q.Key)).ToList();
    }

    public static DateOnly QuarterStart(DateTime t) => t.Month switch
    {
        <= 3 => new DateOnly(t.Year, 1, 1),
        <= 6 => new DateOnly(t.Year, 4, 1),
        <= 9 => new DateOnly(t.Year, 7, 1),
        _ => new DateOnly(t.Year, 10, 1),
    };

    /// <summary>The figures of quarterly_energy_data in plain decimal arithmetic, rounded with Math.Round at the end.</summary>
    public sealed class DecimalQuarter
    {
        private decimal _voltage;
        private long _voltages;
        private long _readings;
        private long _complete;
        private decimal _active, _reactive, _s1, _s2, _s3;
        private decimal? _peak;
        private DateTime _first = DateTime.MaxValue, _last = DateTime.MinValue;

        public void Add(EnergyReading r)
        {
            _readings++;
            _first = r.Timestamp < _first ? r.Timestamp : _first;
            _last = r.Timestamp > _last ? r.Timestamp : _last;
            if (r.GlobalActivePower is not { } active)
            {
                return;
            }

            _complete++;
            _active += active;
            _peak = _peak is null || active > _peak ? active : _peak;
            _reactive += r.GlobalReactivePower ?? 0m;
            _s1 += r.SubMetering1 ?? 0m;
            _s2 += r.SubMetering2 ?? 0m;
            _s3 += r.SubMetering3 ?? 0m;
            if (r.Voltage is { } v)
            {
                _voltage += v;
                _voltages++;
            }
        }

        public QuarterFigures ToFigures(DateOnly quarter)
        {
            static decimal Round(decimal x) => Math.Round(x, 3, MidpointRounding.AwayFromZero);
            var energy = _active * 1000m / 60m;
            return new QuarterFigures(quarter, Round(energy), _complete, _readings, _readings - _complete, _s1, _s2, _s3,
                Round(energy - _s1 - _s2 - _s3), Round(_reactive * 1000m / 60m),
                _voltages == 0 ? null : Round(_voltage / _voltages),
                _complete == 0 ? null : Round(_active / _complete), _peak, _first, _last);
        }
    }
}
