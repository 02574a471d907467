using System.Globalization;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.SparkJob.Orchestration;

/// <summary>
/// The job publishes only what it can prove complete (docs/contract.md, *Completeness*): every winning copy comes from a completed
/// ingestion, and the newest completed ingestion's messages are all in the snapshot, allowing for copies that later
/// messages may have replaced. Reading each partition to the end offset captured at start is the engines' part.
/// </summary>
public static class CompletenessCheck
{
    /// <summary>Throws <see cref="IncompleteDataException"/> naming everything missing and what to do.</summary>
    public static void Verify(EngineResult result)
    {
        var problems = Problems(result);
        if (problems.Count > 0)
        {
            throw new IncompleteDataException(
                "The topic does not hold complete ingestions, so the old figures stay: " + string.Join("; ", problems) + ".");
        }
    }

    public static List<string> Problems(EngineResult result)
    {
        var evidence = result.Evidence;
        var problems = new List<string>();
        var completed = evidence.Completions.Select(c => c.RunId).ToHashSet(StringComparer.Ordinal);
        foreach (var (runId, copies) in evidence.WinningCopiesByRunId.Where(e => e.Value > 0 && !completed.Contains(e.Key)).OrderByDescending(e => e.Value))
        {
            problems.Add(runId == CompletenessEvidence.NoRunId
                ? $"{N(copies)} newest copies carry no {RawEnergyTopic.RunIdHeader} header (written by another producer, not the ingestor), " +
                  "so no completed ingestion vouches for them; ingest the data with the ingestor"
                : $"ingestion {runId} has no completion record: {N(copies)} newest copies come from it (it was interrupted, or is " +
                  "still running); run the ingestor again");
        }

        if (evidence.Completions.Count == 0 && problems.Count > 0)
        {
            problems.Add($"no completion record was found at all: the control topic (the data topic's name + '{RawEnergyTopic.CompletionTopicSuffix}') is missing or empty; " +
                "ingest the file with this version of the ingestor, which writes one when every delivery is confirmed");
        }

        if (evidence.Completions.Count > 0)
        {
            var newest = evidence.Completions[^1];
            var partitions = result.Partitions.ToDictionary(p => p.Partition);
            var presence = evidence.NewestIngestion.ToDictionary(p => p.Partition);
            foreach (var sent in newest.Partitions)
            {
                if (!partitions.TryGetValue(sent.Partition, out var read) || sent.LastOffset >= read.EndOffset)
                {
                    problems.Add($"the newest completed ingestion {newest.RunId} wrote partition {sent.Partition} up to offset {sent.LastOffset}, " +
                        $"but the topic {(read is null ? "has no such partition" : $"ends at offset {read.EndOffset}")}: the topic was reset or " +
                        "lost data after it; run the ingestor again");
                    continue;
                }

                var seen = presence.GetValueOrDefault(sent.Partition) ?? new NewestIngestionPresence(sent.Partition, 0, 0);
                if (seen.Present + seen.Later < sent.Messages)
                {
                    var deleted = read.StartOffset > sent.FirstOffset
                        ? $" (the partition now starts at offset {read.StartOffset}, after its first message at {sent.FirstOffset}: data was deleted)"
                        : "";
                    problems.Add($"the newest completed ingestion {newest.RunId} sent {N(sent.Messages)} messages to partition {sent.Partition} " +
                        $"(offsets {sent.FirstOffset}-{sent.LastOffset}); the topic holds {N(seen.Present)} of them and only {N(seen.Later)} later " +
                        $"messages that could replace the others{deleted}; run the ingestor again");
                }
            }
        }

        return problems;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>The snapshot cannot be proven complete: nothing is published.</summary>
public sealed class IncompleteDataException(string message) : InvalidOperationException(message);
