namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// One Spark SQL statement with a name for traces and errors. The text is never recorded in telemetry:
/// some statements carry credentials (the JDBC view's options).
/// </summary>
public sealed record SparkSql(string Name, string Text)
{
    public override string ToString() => Name;
}
