namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>A message that breaks the contract of <c>raw_energy</c>: where it is and why it was refused.</summary>
public sealed record InvalidMessage(int Partition, long Offset, string Reason);

/// <summary>How many messages one validity rule refused, with the first few of them (bounded).</summary>
public sealed record InvalidReasonCount(string Reason, long Messages, IReadOnlyList<InvalidMessage> Samples);
