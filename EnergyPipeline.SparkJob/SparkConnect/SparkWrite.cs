namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// A DataFrameWriter save (Spark Connect WriteOperation): the rows of <see cref="Query"/> written in
/// <see cref="Format"/> to <see cref="Path"/>, replacing what is there, partitioned by <see cref="PartitionColumns"/>.
/// </summary>
public sealed record SparkWrite(SparkSql Query, string Format, string Path, IReadOnlyList<string> PartitionColumns)
{
    public string Name => Query.Name;
}
