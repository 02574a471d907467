using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

var builder = DistributedApplication.CreateBuilder(args);
EnergyPipelineModel.Build(builder);
var app = builder.Build();

if (builder.ExecutionContext.IsRunMode
    && await ContainerRuntimeCheck.FindProblemAsync(app.Services.GetRequiredService<DistributedApplicationModel>(), builder.Configuration) is { } problem)
{
    await Console.Error.WriteLineAsync(problem);
    return 1;
}

await app.RunAsync();
return 0;
