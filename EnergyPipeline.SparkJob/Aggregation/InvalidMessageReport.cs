namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>Invalid messages counted by reason, with a bounded sample (partition, offset, reason) of every reason seen.</summary>
public interface IInvalidMessageReport
{
    IReadOnlyDictionary<string, long> CountsByReason { get; }

    IReadOnlyList<InvalidMessage> Samples { get; }
}

/// <summary>
/// Collects an <see cref="IInvalidMessageReport"/> message by message. Reasons beyond <see cref="MaxReasons"/> distinct
/// ones are counted under <see cref="OtherReasons"/>, so hostile input cannot grow it without bound.
/// </summary>
public sealed class InvalidMessageReport : IInvalidMessageReport
{
    public const int DefaultSamplesPerReason = 5;
    public const int MaxReasons = 100;
    public const string OtherReasons = "other reasons";

    public static readonly IInvalidMessageReport Empty = new InvalidMessageReport();

    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly List<InvalidMessage> _samples = [];
    private readonly int _samplesPerReason;

    public InvalidMessageReport(int samplesPerReason = DefaultSamplesPerReason) => _samplesPerReason = samplesPerReason;

    public IReadOnlyDictionary<string, long> CountsByReason => _counts;

    public IReadOnlyList<InvalidMessage> Samples => _samples;

    public void Add(int partition, long offset, string reason)
    {
        if (!_counts.ContainsKey(reason) && _counts.Count >= MaxReasons)
        {
            reason = OtherReasons;
        }

        var count = _counts[reason] = _counts.GetValueOrDefault(reason) + 1;
        if (count <= _samplesPerReason)
        {
            _samples.Add(new InvalidMessage(partition, offset, reason));
        }
    }
}
