using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Settings;
using Microsoft.Extensions.DependencyInjection;

if (AppHostHelp.IsRequested(args))
{
    Console.Out.Write(AppHostHelp.Text);
    return 0;
}

if (args is [ProgramVersion.Option])
{
    Console.Out.WriteLine(ProgramVersion.Of(typeof(AppHostHelp).Assembly));
    return 0;
}

using var session = new AppHostSession();
var builder = DistributedApplication.CreateBuilder(args);
DashboardKeys.PinForThisRun(builder.Configuration, builder.Configuration);
session.Configure(builder);
try
{
    AppHostSettings.RejectUnknownKeys(builder.Configuration);
    var (shape, notice) = await PipelineShape.ResolveAsync(builder.Configuration, builder.ExecutionContext.IsRunMode, ContainerRuntime.ProbeAsync);
    if (notice is not null)
    {
        Console.WriteLine(notice);
    }

    EnergyPipelineModel.Build(builder, shape);
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
