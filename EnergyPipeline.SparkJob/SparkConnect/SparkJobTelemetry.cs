using System.Diagnostics;

namespace EnergyPipeline.SparkJob;

/// <summary>The job's activity source; ServiceDefaults subscribes to every <c>EnergyPipeline.*</c> source.</summary>
public static class SparkJobTelemetry
{
    public const string SourceName = "EnergyPipeline.SparkJob";

    public static readonly ActivitySource Source = new(SourceName);
}
