namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>Which engine the job runs: Spark through Spark Connect, or the in-process local engine.</summary>
public enum PipelineEngine
{
    Spark,
    Local,
}

public static class PipelineEngineNames
{
    /// <summary>The engine's name as the job reads it (<c>Pipeline:Engine</c>).</summary>
    public static string Name(this PipelineEngine engine) => engine switch
    {
        PipelineEngine.Spark => PipelineNames.SparkEngine,
        PipelineEngine.Local => PipelineNames.LocalEngine,
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, null),
    };

    /// <summary>The engine with this name (<see cref="Name"/>, any case), or null.</summary>
    public static PipelineEngine? Parse(string name)
    {
        foreach (var engine in Enum.GetValues<PipelineEngine>())
        {
            if (string.Equals(engine.Name(), name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return engine;
            }
        }

        return null;
    }
}
