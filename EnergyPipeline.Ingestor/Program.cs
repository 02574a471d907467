using EnergyPipeline.Ingestor.CommandLine;

return await IngestorCommandLine.RunAsync(args, Console.Out, Console.Error);
