using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Pipeline;
using Microsoft.Extensions.DependencyInjection;

if (AppHostHelp.IsRequested(args))
{
    Console.Out.Write(AppHostHelp.Text);
    return 0;
}

using var session = new AppHostSession();
var builder = DistributedApplication.CreateBuilder(args);
DashboardKeys.PinForThisRun(builder.Configuration, builder.Configuration);
session.Configure(builder);
try
{
    var (infrastructure, notice) = await InfrastructureChoice.ResolveAsync(
        builder.Configuration, builder.ExecutionContext.IsRunMode, ContainerRuntimeCheck.ProbeAsync);
    if (notice is not null)
    {
        Console.WriteLine(notice);
    }

    builder.Configuration[InfrastructureChoice.Setting] = infrastructure.ToString().ToLowerInvariant();
    EnergyPipelineModel.Build(builder);
}
catch (PipelineConfigurationException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 2;
}
catch (EmbeddedInfrastructureException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}

var app = builder.Build();

if (builder.ExecutionContext.IsRunMode
    && await ContainerRuntimeCheck.FindProblemAsync(app.Services.GetRequiredService<DistributedApplicationModel>(), builder.Configuration) is { } problem)
{
    await Console.Error.WriteLineAsync(problem);
    return 1;
}

return await session.RunAsync(app, Console.Out, Console.Error);
