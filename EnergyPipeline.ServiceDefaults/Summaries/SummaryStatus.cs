namespace EnergyPipeline.Summaries;

/// <summary>
/// The <c>status</c> of every summary line the programs print: the ingestor's <c>ingest</c> and <c>validate</c> and the
/// job's. One set for all of them (docs/operations.md, *Summary lines*): the exit code is 0 exactly when it is
/// <see cref="Succeeded"/>.
/// </summary>
public static class SummaryStatus
{
    public const string Succeeded = "succeeded";

    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Succeeded, Failed];
}
