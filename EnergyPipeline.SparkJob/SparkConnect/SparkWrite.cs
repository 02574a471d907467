using EnergyPipeline.SparkJob.SparkConnect.Protocol;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// A DataFrameWriter save (Spark Connect WriteOperation): the rows of <see cref="Query"/> written in
/// <see cref="Format"/> to <see cref="Path"/> (or, without a path, where <see cref="Options"/> say, as for JDBC),
/// in <see cref="Mode"/>, partitioned by <see cref="PartitionColumns"/>. Options travel as the operation's option map,
/// never in SQL text: they may carry credentials (Spark redacts option values whose key matches its redaction rules).
/// </summary>
public sealed record SparkWrite(SparkSql Query, string Format, string? Path, IReadOnlyList<string> PartitionColumns)
{
    public string Name => Query.Name;

    public WriteOperation.Types.SaveMode Mode { get; init; } = WriteOperation.Types.SaveMode.Overwrite;

    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    // The record's generated text would print the options, password included.
    public override string ToString() => Name;
}
