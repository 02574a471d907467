using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.Tests.Spark;

namespace EnergyPipeline.Tests.Contract;

/// <summary>
/// No message can fail a run: seeded, repeatable random and mutated messages, each of which gets a verdict (never an
/// exception), the same verdict from the fast path and from the rules one by one, and the same from the Spark plan.
/// </summary>
public sealed class HostileMessageTests
{
    private static readonly byte[] Example = Encoding.UTF8.GetBytes(ContractCases.ExampleValue);
    private static readonly byte[] ExampleKey = Encoding.UTF8.GetBytes(ContractCases.Minute);

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "-", "+", ".", "e", "E", "0", "00", "1.2345", " ", "\t", "\n",
        "\"timestamp\"", "\"voltage\":", "\"extra\":1,", "\\u0041", "\u00e9", "\ud83d\ude00", "2006-12-16T17:24:00", ":30", "Z",
    ];

    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(2, 20_000)]
    [InlineData(3, 20_000)]
    public void Every_message_gets_a_verdict_and_both_local_paths_agree(int seed, int count)
    {
        var random = new Random(seed);
        var reasons = ReadingValidity.Rules.Select(r => r.Reason).ToHashSet();
        var verdicts = new Dictionary<string, int>();
        var aggregator = new QuarterlyAggregator();
        for (var n = 0; n < count; n++)
        {
            var (key, value) = Message(random);

            var reason = ReadingValidator.Check(key, value, out var reading);
            aggregator.Add(n % 6, n, key, value);

            verdicts[reason ?? "valid"] = verdicts.GetValueOrDefault(reason ?? "valid") + 1;
            Assert.True(reason is null || reasons.Contains(reason), reason);
            if (key is null || value is null || value.Length > ReadingValidity.MaxValueBytes)
            {
                continue;
            }

            var general = ReadingValidator.CheckGeneral(key, value, checkKey: true, out var generalReading);
            Assert.True(reason == general, $"{Show(value)}: fast path {reason}, rules {general}");
            if (reason is null)
            {
                Assert.Equal(reading.Timestamp, generalReading.Timestamp);
                Assert.Equal(reading.MissingMask, generalReading.MissingMask);
                Assert.Equal(Enumerable.Range(0, 7).Select(i => reading.Thousandths[i]), Enumerable.Range(0, 7).Select(i => generalReading.Thousandths[i]));
            }
        }

        var result = aggregator.Complete();
        Assert.Equal(count, result.MessagesRead);
        Assert.Equal(result.Invalid, result.InvalidByReason.Sum(r => r.Messages));
        Assert.All(result.InvalidByReason, r => Assert.InRange(r.Samples.Count, 1, QuarterlyAggregator.DefaultSamplesPerReason));
        // The generator reaches valid messages and most rules, so the agreement above is not vacuous.
        Assert.True(verdicts.GetValueOrDefault("valid") > count / 10, string.Join(", ", verdicts));
        Assert.True(verdicts.Count >= 12, string.Join(", ", verdicts));
    }

    [Theory]
    [InlineData(4, 1_500)]
    [InlineData(5, 1_500)]
    public void The_spark_plan_gives_the_local_verdict_for_random_and_mutated_messages(int seed, int count)
    {
        var random = new Random(seed);
        var checkedView = SparkPlan.CreateCheckedView.Text;
        for (var n = 0; n < count; n++)
        {
            var (key, value) = Message(random);

            var local = ReadingValidator.Check(key, value, out _);
            var spark = SparkCheckedView.InvalidReason(checkedView, key, value);

            Assert.True(local == spark, $"{(value is null ? "null" : Show(value))}: local {local}, spark plan {spark}");
        }
    }

    private static (byte[]? Key, byte[]? Value) Message(Random random)
    {
        var key = random.Next(20) switch
        {
            0 => null,
            1 => Mutate(random, ExampleKey),
            _ => ExampleKey,
        };
        byte[]? value = random.Next(12) switch
        {
            0 => null,
            1 => RandomBytes(random),
            2 => Encoding.UTF8.GetBytes(new string(' ', random.Next(900, 1100))),
            _ => Mutate(random, Example),
        };
        return (key, value);
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>0 to 3 edits of the writer's form: a byte changed, removed, inserted, a fragment inserted, a span repeated.</summary>
    private static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        var edits = random.Next(4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes[at] = (byte)"0123456789.-e\" ,:{}n"[random.Next(20)]; break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)])); break;
                case 4:
                    var length = random.Next(1, Math.Min(30, bytes.Count - at) + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default: bytes.RemoveRange(at, random.Next(1, Math.Min(10, bytes.Count - at) + 1)); break;
            }
        }

        return bytes.ToArray();
    }

    private static string Show(byte[] value) => Encoding.UTF8.GetString(value);
}
