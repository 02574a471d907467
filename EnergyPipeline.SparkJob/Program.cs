using EnergyPipeline.SparkJob;

return await JobProgram.RunAsync(args);
