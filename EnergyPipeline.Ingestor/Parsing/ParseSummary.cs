namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>What a pass over a file found. Data lines = readings + malformed.</summary>
public sealed class ParseSummary
{
    /// <summary>Data lines seen (the header excluded), malformed ones included.</summary>
    public long DataLines { get; internal set; }

    /// <summary>Lines that parsed into a reading (complete or with missing values).</summary>
    public long Readings { get; internal set; }

    /// <summary>Readings with at least one missing measure (<c>?</c> or empty).</summary>
    public long MissingValueRows { get; internal set; }

    public long Malformed { get; internal set; }

    /// <summary>Malformed lines per reason (<see cref="MalformedReason"/> or a contract rule's reason), in order of first appearance.</summary>
    public IReadOnlyDictionary<string, long> MalformedByReason => _malformedByReason;

    private readonly OrderedDictionary<string, long> _malformedByReason = new(StringComparer.Ordinal);

    internal void CountMalformed(string reason, long lines = 1)
    {
        Malformed += lines;
        _malformedByReason[reason] = _malformedByReason.GetValueOrDefault(reason) + lines;
    }

    public long Bytes { get; internal set; }

    /// <summary>Exact sum of Global_active_power over the readings, in thousandths of a kW.</summary>
    public long GlobalActivePowerThousandthsSum { get; internal set; }

    public DateTime? FirstTimestamp { get; internal set; }

    public DateTime? LastTimestamp { get; internal set; }

    /// <summary>The first malformed lines, up to the sample size given to the reader.</summary>
    public List<MalformedLine> MalformedSample { get; } = [];

    /// <summary>The sum of the minute readings of Global_active_power, in kW·min (a sum of kW readings is not kW).</summary>
    public decimal GlobalActivePowerSum => GlobalActivePowerThousandthsSum / 1000m;

    /// <summary>
    /// The active energy those readings stand for, in kWh: each is one minute's average, so the sum / 60, rounded half
    /// away from zero to 6 decimals (kWh to the Wh's 3 decimals, as the job rounds total_energy_wh).
    /// </summary>
    public decimal ActiveEnergyKwh => decimal.Round(GlobalActivePowerThousandthsSum / 60_000m, 6, MidpointRounding.AwayFromZero);
}
