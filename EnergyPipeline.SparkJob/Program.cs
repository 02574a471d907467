using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Benchmarks;

if (args.Length > 0 && args[0] == AggregationBenchmark.Verb)
{
    return AggregationBenchmark.Run(args[1..]);
}

return await JobProgram.RunAsync(args);
