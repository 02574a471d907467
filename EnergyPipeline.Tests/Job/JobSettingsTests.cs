using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.Job;

/// <summary>The job's settings list is the one its help prints, the docs show, and its code reads.</summary>
[Collection(ConsoleErrorCollection.Name)]
public sealed class JobSettingsTests
{
    [Fact]
    public async Task Help_prints_every_listed_setting_with_its_default()
    {
        var output = new StringWriter();

        Assert.Equal(JobProgram.ExitSucceeded, await JobProgram.RunAsync(["--help"], output: output));

        SettingsChecks.AssertHelpPrintsEvery(JobSettings.All, output.ToString());
    }

    [Fact]
    public void Every_configuration_key_in_the_job_s_code_is_listed()
    {
        var keys = SettingsChecks.KeyConstants(typeof(JobProgram).Assembly, "Pipeline", "ConnectionStrings", "Logging");

        Assert.Contains("Pipeline:Spark:RawZonePath", keys);
        Assert.All(keys, key => Assert.True(JobSettings.All.Contains(key), $"{key} is read by the job but not in JobSettings"));
    }

    [Fact]
    public void The_listed_defaults_are_what_the_job_uses_when_nothing_is_set()
    {
        var options = PipelineOptions.Read(new ConfigurationBuilder().Build());

        Assert.Equal(Default(PipelineOptions.EngineSetting), options.Engine);
        Assert.Equal(Default(PipelineOptions.TopicSetting), options.Topic);
        Assert.Equal(TimeSpan.FromSeconds(double.Parse(Default(PipelineOptions.ConnectTimeoutSetting))), options.StartConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(double.Parse(Default(PipelineOptions.ReadStallTimeoutSetting))), options.KafkaReadStallTimeout);
        Assert.Equal(Default(SparkEngineOptions.RawZonePathSetting), SparkEngineOptions.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:spark"] = "sc://spark:15002",
                ["ConnectionStrings:hdfs"] = "hdfs://namenode:8020",
                ["ConnectionStrings:kafka"] = "kafka:9092",
                ["ConnectionStrings:energy_db"] = "Host=postgres;Database=energy_db;Username=u",
            }).Build()).RawZonePath);
    }

    [Fact]
    public void The_docs_table_is_the_list() => SettingsChecks.AssertDocumentTableIs("job", JobSettings.All);

    private static string Default(string key) => JobSettings.All.Find(key)!.Default;
}
