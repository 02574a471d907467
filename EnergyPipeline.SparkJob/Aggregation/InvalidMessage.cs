namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>A message that breaks the contract of <c>raw_energy</c>: where it is and why it was refused.</summary>
public sealed record InvalidMessage(int Partition, long Offset, string Reason);
