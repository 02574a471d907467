using System.Runtime.ExceptionServices;
using Confluent.Kafka;
using EnergyPipeline.SparkJob.Engine;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>
/// Reads a snapshot's partitions with two <see cref="SnapshotReader"/>s on two threads, each assigned about half of
/// the messages: the client's per-message work (fetch decoding, marshalling each message into .NET) then runs on both
/// cores. <c>onMessage</c> is called under one lock, never concurrently, in no fixed order across partitions (as with
/// one reader); the first failure of either reader stops the other and is the one thrown.
/// </summary>
public static class ParallelSnapshotRead
{
    public static List<PartitionRead> ReadToEnd(
        SnapshotReader first, SnapshotReader second, string topic, IReadOnlyList<PartitionRead> ranges,
        Action<ConsumeResult<byte[]?, byte[]?>> onMessage, CancellationToken cancellationToken)
    {
        var (firstHalf, secondHalf) = Split(ranges);
        var gate = new Lock();
        void Serialised(ConsumeResult<byte[]?, byte[]?> consumed)
        {
            lock (gate)
            {
                onMessage(consumed);
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        List<PartitionRead> Read(SnapshotReader reader, List<PartitionRead> half)
        {
            try
            {
                return reader.ReadToEnd(topic, half, Serialised, stop.Token);
            }
            catch
            {
                stop.Cancel();
                throw;
            }
        }

        var other = Task.Factory.StartNew(
            () => Read(second, secondHalf), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        List<PartitionRead>? mine = null;
        Exception? failure = null;
        try
        {
            mine = Read(first, firstHalf);
        }
        catch (Exception ex)
        {
            failure = Cause(failure, ex);
        }

        try
        {
            other.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            failure = Cause(failure, ex);
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        var read = mine!.Concat(other.Result).ToDictionary(p => p.Partition);
        return ranges.Select(p => read[p.Partition]).ToList();
    }

    /// <summary>The reader that failed for a reason is the cause; the other one only saw the stop (a cancellation).</summary>
    private static Exception Cause(Exception? found, Exception next) =>
        found is null || (found is OperationCanceledException && next is not OperationCanceledException) ? next : found;

    /// <summary>Greedy by message count, largest first: two halves of about equal work, the same split for the same snapshot.</summary>
    public static (List<PartitionRead> First, List<PartitionRead> Second) Split(IReadOnlyList<PartitionRead> ranges)
    {
        List<PartitionRead> first = [], second = [];
        long firstMessages = 0, secondMessages = 0;
        foreach (var range in ranges.OrderByDescending(p => p.EndOffset - p.StartOffset).ThenBy(p => p.Partition))
        {
            var size = range.EndOffset - range.StartOffset;
            if (firstMessages <= secondMessages)
            {
                first.Add(range);
                firstMessages += size;
            }
            else
            {
                second.Add(range);
                secondMessages += size;
            }
        }

        return (first, second);
    }
}
