using System.Globalization;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.SparkJob.Orchestration;

/// <summary>
/// The job publishes only figures it can prove right (docs/contract.md, *Completeness*). Every reading kept comes from
/// a completed ingestion by construction (<see cref="OffsetAttribution"/>); this check proves the rest from the
/// engine's <see cref="CompletenessEvidence"/>:
/// <list type="bullet">
/// <item>no completion record names offsets the topic no longer reaches (a topic reset or cut at its end);</item>
/// <item>every ingestion is whole in the snapshot but for copies that later ones may have replaced: per partition, its
///   messages present plus the later attributed messages (that compaction or retention may have let replace some of
///   them) at least the messages it sent; a missing message that nothing replaced would take its minute out of the
///   figures, whether or not the ingestion still supplies readings;</item>
/// <item>no run of an ingestion that supplies readings was cut by retention (the partition's first offset above the
///   run's start);</item>
/// <item>no two ingestions that both supply readings ran at the same time: their offsets do not interleave in any
///   partition (the newest-copy rule would mix their files minute by minute).</item>
/// </list>
/// Reading each partition to the end offset captured at start is the engines' part.
/// </summary>
public static class CompletenessCheck
{
    /// <summary>Throws <see cref="IncompleteDataException"/> naming every problem and what to do.</summary>
    public static void Verify(EngineResult result)
    {
        var problems = Problems(result);
        if (problems.Count > 0)
        {
            throw new IncompleteDataException("Nothing was published, the old figures stay: " + string.Join("; ", problems) + ".");
        }
    }

    public static List<string> Problems(EngineResult result)
    {
        var evidence = result.Evidence;
        var partitions = result.Partitions.ToDictionary(p => p.Partition);
        var runsByIngestion = evidence.Attribution.Runs
            .Select((run, index) => (Run: run, Index: index))
            .ToLookup(r => r.Run.Ingestion);
        var problems = new List<string>();
        for (var ingestion = 0; ingestion < evidence.Attribution.Ingestions.Count; ingestion++)
        {
            problems.AddRange(PastTheEnd(evidence.Attribution.Ingestions[ingestion], runsByIngestion[ingestion].Select(r => r.Run), partitions));
        }

        var contributing = evidence.Contributing.ToHashSet();
        for (var ingestion = 0; ingestion < evidence.Attribution.Ingestions.Count; ingestion++)
        {
            foreach (var inPartition in runsByIngestion[ingestion].GroupBy(r => r.Run.Partition))
            {
                if (partitions.TryGetValue(inPartition.Key, out var read))
                {
                    problems.AddRange(Missing(evidence, evidence.Attribution.Ingestions[ingestion], contributing.Contains(ingestion), read, inPartition.ToList()));
                }
            }
        }

        problems.AddRange(Interleaved(evidence));
        return problems;
    }

    /// <summary>
    /// Why there is nothing to publish: no reading of a completed ingestion is valid. Names the unattributed messages
    /// and, when that explains them, the missing or old completion records.
    /// </summary>
    public static string NothingToPublish(string topic, EngineResult result)
    {
        var completions = result.Evidence.Attribution.Ingestions;
        var legacy = completions.Count(c => c.OffsetRuns is null);
        var unsigned = result.UnsignedCompletions?.Count ?? 0;
        var why = completions.Count == 0 && unsigned > 0
            ? $": none of the {N(unsigned)} completion records has a valid MAC under the job's {CompletionKey.Setting} (written with another key, " +
              "or by someone else), so no message can be attributed; ingest the file again with the ingestor given the job's key"
            : completions.Count == 0
            ? $": no completion record was found (the control topic {RawEnergyTopic.CompletionTopic(topic)} is missing or empty), so no message " +
              "can be attributed; ingest the file with the ingestor, which writes one when every delivery is confirmed"
            : legacy > 0
                ? $": {N(legacy)} of the {N(completions.Count)} completion records were written by an ingestor that did not record offset runs " +
                  "and vouch for no message; ingest the file once again"
                : result.Unattributed > 0
                    ? ": the messages belong to no completed ingestion (an ingestion still running or killed, or another producer); " +
                      "let the ingestion finish, or run the ingestor again"
                    : "";
        return $"Topic {topic} holds no valid reading of a completed ingestion ({N(result.ReadingsRead)} readings read, " +
            $"{N(result.Invalid)} invalid, {N(result.Unattributed)} messages unattributed){why}. " +
            "Refusing to replace the quarterly figures with nothing.";
    }

    /// <summary>Runs that end at or beyond the partition's captured end offset: the topic lost what the record names.</summary>
    private static IEnumerable<string> PastTheEnd(IngestionCompletion ingestion, IEnumerable<AttributedRun> runs, Dictionary<int, PartitionRead> partitions)
    {
        foreach (var inPartition in runs.GroupBy(r => r.Partition))
        {
            var last = inPartition.Max(r => r.Last);
            if (!partitions.TryGetValue(inPartition.Key, out var read) || last >= read.EndOffset)
            {
                yield return $"completed ingestion {ingestion.RunId} wrote partition {inPartition.Key} up to offset {last}, but the topic " +
                    $"{(read is null ? "has no such partition" : $"ends at offset {read.EndOffset}")}: the topic was reset or lost data after it; " +
                    "run the ingestor again";
                yield break;
            }
        }
    }

    /// <summary>
    /// What an ingestion lacks in one partition: messages of a contributing ingestion deleted before the snapshot, or
    /// messages of any ingestion missing without as many later copies.
    /// </summary>
    private static IEnumerable<string> Missing(
        CompletenessEvidence evidence, IngestionCompletion ingestion, bool contributing, PartitionRead read, List<(AttributedRun Run, int Index)> runs)
    {
        var first = runs.Min(r => r.Run.First);
        var last = runs.Max(r => r.Run.Last);
        var sent = runs.Sum(r => r.Run.Length);
        if (contributing && read.StartOffset > first)
        {
            var deleted = runs.Sum(r => Math.Max(0, Math.Min(r.Run.Last, read.StartOffset - 1) - r.Run.First + 1));
            yield return $"ingestion {ingestion.RunId} supplies readings, but {N(deleted)} of the {N(sent)} messages it sent to partition " +
                $"{read.Partition} were deleted (the partition now starts at offset {read.StartOffset}, after its first message at {first}); " +
                "run the ingestor again";
            yield break;
        }

        var present = runs.Sum(r => Present(evidence, r.Index));
        var later = evidence.Attribution.Runs
            .Select((run, index) => (Run: run, Index: index))
            .Where(r => r.Run.Partition == read.Partition && r.Run.First > last)
            .Sum(r => Present(evidence, r.Index));
        if (present + later < sent)
        {
            var deleted = read.StartOffset > first ? $" (the partition now starts at offset {read.StartOffset}, after its first message at {first}: data was deleted)" : "";
            yield return $"ingestion {ingestion.RunId} sent {N(sent)} messages to partition {read.Partition} (offsets {first}-{last}); the topic " +
                $"holds {N(present)} of them and only {N(later)} later messages of completed ingestions that could replace the others{deleted}; " +
                "run the ingestor again";
        }
    }

    /// <summary>
    /// Pairs of contributing ingestions whose offsets interleave in a partition: one's span (first to last offset
    /// there) overlaps the other's. Spans of ingestions that wrote one after the other never overlap.
    /// </summary>
    private static IEnumerable<string> Interleaved(CompletenessEvidence evidence)
    {
        var contributing = evidence.Contributing.ToHashSet();
        var named = new HashSet<(int, int)>();
        var spans = evidence.Attribution.Runs
            .Where(r => contributing.Contains(r.Ingestion))
            .GroupBy(r => (r.Partition, r.Ingestion))
            .Select(g => (g.Key.Partition, g.Key.Ingestion, First: g.Min(r => r.First), Last: g.Max(r => r.Last)))
            .GroupBy(s => s.Partition)
            .OrderBy(g => g.Key);
        foreach (var partition in spans)
        {
            var sorted = partition.OrderBy(s => s.First).ToList();
            for (var i = 0; i < sorted.Count; i++)
            {
                for (var j = i + 1; j < sorted.Count && sorted[j].First < sorted[i].Last; j++)
                {
                    var (older, newer) = (Math.Min(sorted[i].Ingestion, sorted[j].Ingestion), Math.Max(sorted[i].Ingestion, sorted[j].Ingestion));
                    if (named.Add((older, newer)))
                    {
                        yield return $"ingestions {evidence.Attribution.Ingestions[older].RunId} and {evidence.Attribution.Ingestions[newer].RunId} " +
                            $"ran at the same time (their messages interleave in partition {partition.Key}) and both supply readings: " +
                            "ingest one file again on its own, then run the job";
                    }
                }
            }
        }
    }

    private static long Present(CompletenessEvidence evidence, int run) => run < evidence.PresentByRun.Count ? evidence.PresentByRun[run] : 0;

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>The snapshot's figures cannot be proven complete and unmixed: nothing is published.</summary>
public sealed class IncompleteDataException(string message) : InvalidOperationException(message);
