using System.Globalization;
using System.Text.RegularExpressions;
using EnergyPipeline.Messaging;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Spark;

/// <summary>What the Spark image's <c>spark-defaults.conf</c> gives every run (containers/spark/README.md).</summary>
public sealed partial class SparkImageDefaultsTests
{
    private static readonly string[] JvmOptions = ["spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"];

    [Fact]
    public void Local_mode_retries_a_failed_task_before_it_fails_the_run()
    {
        // local[N] and local[*] give a task one attempt; local[N,F] gives it F, like spark.task.maxFailures on a cluster.
        var master = LocalWithRetries().Match(SparkImageDefaults.Read()["spark.master"]);

        Assert.True(master.Success, $"spark.master is '{SparkImageDefaults.Read()["spark.master"]}', not local[*,F] or local[N,F]");
        Assert.True(int.Parse(master.Groups["failures"].Value, CultureInfo.InvariantCulture) >= 2, "a task needs at least two attempts to be retried");
    }

    [Fact]
    public void Driver_and_executor_jvms_run_in_utc_with_the_same_larger_thread_stack()
    {
        var defaults = SparkImageDefaults.Read();

        foreach (var option in JvmOptions)
        {
            var flags = defaults[option].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // The JDBC writer renders timestamps without zone in the JVM's zone.
            Assert.Contains("-Duser.timezone=UTC", flags);
            Assert.Single(flags, flag => flag.StartsWith("-Xss", StringComparison.Ordinal));
        }

        Assert.Equal(ThreadStackBytes(defaults[JvmOptions[0]]), ThreadStackBytes(defaults[JvmOptions[1]]));
    }

    /// <summary>
    /// A StackOverflowError in a task ends the whole Connect server in local mode, so the stack must hold the
    /// validity pattern's deepest recursion with room to spare for Spark's own frames below it: measured here with
    /// java.util.regex, interpreted (the largest frames), on the values with the most repetitions 1,024 bytes allow.
    /// </summary>
    [Fact]
    public async Task The_thread_stack_holds_twice_what_the_flat_object_pattern_needs_on_the_worst_value()
    {
        var values = WorstFlatObjectValues();
        Assert.All(values, value => Assert.Equal(ReadingValidity.MaxValueBytes, value.Length));
        Assert.Matches(ReadingValidity.FlatObjectPattern, values[0]);
        var program = RepositoryFiles.PathOf("EnergyPipeline.Tests", "Spark", "RegexStackNeed.java");

        ChildProcess.Result measured;
        try
        {
            measured = await ChildProcess.RunAsync("java", ["-Xint", "-XX:-UsePerfData", program, ReadingValidity.FlatObjectPattern, .. values], TimeSpan.FromMinutes(2));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip("no java on PATH: the regex's stack need is measured with a JDK (containers/spark/README.md, \"Thread stack size\")");
            return;
        }

        Assert.True(measured.ExitCode == 0, measured.Errors);
        var need = long.Parse(measured.Output.Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(need, 64 * 1024, 64L * 1024 * 1024);
        var stack = ThreadStackBytes(SparkImageDefaults.Read()[JvmOptions[1]]);
        Assert.True(2 * need <= stack, $"the worst value needs {need / 1024} KiB of stack; -Xss gives {stack / 1024} KiB");
    }

    [Fact]
    public void Blocks_spark_writes_to_hdfs_ask_for_the_one_copy_the_datanode_holds()
    {
        Assert.Equal("1", SparkImageDefaults.Read()["spark.hadoop.dfs.replication"]);
    }

    /// <summary>
    /// The shortest member, <c>,"":0</c>, as often as 1,024 bytes hold it: each repetition of the pattern's member group
    /// is one more level of java.util.regex's recursion. Also with string values, and unclosed (the failed match).
    /// </summary>
    internal static IReadOnlyList<string> WorstFlatObjectValues()
    {
        const int Size = ReadingValidity.MaxValueBytes;
        static string Repeat(string member, int times) => string.Concat(Enumerable.Repeat(member, times));
        static string Pad(string value) => value.PadRight(Size);
        var bare = (Size - "{\"\":0}".Length) / ",\"\":0".Length;
        var quoted = (Size - "{\"\":\"\"}".Length) / ",\"\":\"\"".Length;
        return
        [
            Pad("{\"\":0" + Repeat(",\"\":0", bare) + "}"),
            Pad("{\"\":\"\"" + Repeat(",\"\":\"\"", quoted) + "}"),
            Pad("{\"\":0" + Repeat(",\"\":0", bare)),
        ];
    }

    private static long ThreadStackBytes(string javaOptions)
    {
        var size = ThreadStackFlag().Match(javaOptions);
        Assert.True(size.Success, $"no -Xss in '{javaOptions}'");
        var multiplier = size.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "K" => 1024L,
            "M" => 1024L * 1024,
            "G" => 1024L * 1024 * 1024,
            _ => 1L,
        };
        return long.Parse(size.Groups["size"].Value, CultureInfo.InvariantCulture) * multiplier;
    }

    [GeneratedRegex(@"^local\[(\*|[1-9][0-9]*)\s*,\s*(?<failures>[0-9]+)\]$")]
    private static partial Regex LocalWithRetries();

    [GeneratedRegex(@"-Xss(?<size>[0-9]+)(?<unit>[kKmMgG]?)(?:\s|$)")]
    private static partial Regex ThreadStackFlag();
}
