using System.Diagnostics;
using System.Runtime.InteropServices;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The AppHost as a user starts it: its built dll as a process of its own (<c>dotnet EnergyPipeline.AppHost.dll</c>),
/// embedded infrastructure, the launch profile's settings on free ports. While it runs its process tree is sampled
/// (<see cref="ProcessTree"/>), so the test knows every process it started, the orchestrator's and the services'
/// included, and can tell which of them still run once it has ended.
/// </summary>
internal sealed class AppHostProcess : IDisposable
{
    private readonly ChildProcess.Running _process;
    private readonly Lock _gate = new();
    private readonly HashSet<ProcessTree.Member> _seen = [];
    private readonly CancellationTokenSource _sampling = new();
    private readonly Task _sampler;

    private AppHostProcess(ChildProcess.Running process)
    {
        _process = process;
        _sampler = Task.Run(SampleAsync);
    }

    public static AppHostProcess Start(params string[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            // What the launch profile (Properties/launchSettings.json) gives `dotnet run`, on ports free now.
            ["ASPNETCORE_URLS"] = $"http://localhost:{ServerPort.Free()}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{ServerPort.Free()}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{ServerPort.Free()}",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            ["DOTNET_ENVIRONMENT"] = "Development",
        };
        return new AppHostProcess(ChildProcess.StartProject("EnergyPipeline.AppHost", environment, ["--Pipeline:Infrastructure=embedded", .. settings]));
    }

    public int Id => _process.Id;

    public string Output => _process.Output;

    public string Errors => _process.Errors;

    public Task<string> WaitForLineAsync(string text, TimeSpan timeout) => _process.WaitForLineAsync(text, timeout);

    /// <summary>Sends the signal after a last look at the process tree, so the processes running at that moment are known.</summary>
    public void Signal(PosixSignal signal)
    {
        Sample();
        _process.Signal(signal);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var exitCode = (await _process.WaitAsync(timeout)).ExitCode;
        await _sampling.CancelAsync();
        await _sampler;
        return exitCode;
    }

    /// <summary>Every process seen in the AppHost's tree that still runs.</summary>
    public IReadOnlyList<ProcessTree.Member> StillRunning()
    {
        lock (_gate)
        {
            return ProcessTree.StillRunning(_seen);
        }
    }

    /// <summary>Ends the AppHost at once (SIGKILL), as a crash or <c>kill -9</c> would: nothing of its own stop runs.</summary>
    public void Kill()
    {
        Sample();
        Process.GetProcessById(Id).Kill();
        KilledProcessFiles.Remove(Id);
    }

    /// <summary>Whatever a failed test left running is ended here, so one failure does not load the next test.</summary>
    public void Dispose()
    {
        _sampling.Cancel();
        _process.Dispose();
        foreach (var member in StillRunning())
        {
            try
            {
                Process.GetProcessById(member.Pid).Kill();
                KilledProcessFiles.Remove(member.Pid);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Ended meanwhile.
            }
        }

        _sampling.Dispose();
    }

    private void Sample()
    {
        var members = ProcessTree.Of(Id);
        lock (_gate)
        {
            _seen.UnionWith(members);
        }
    }

    private async Task SampleAsync()
    {
        while (!_sampling.IsCancellationRequested)
        {
            Sample();
            try
            {
                await Task.Delay(100, _sampling.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
