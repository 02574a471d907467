using System.Runtime.CompilerServices;
using EnergyPipeline.SparkJob;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// The job turns Npgsql's infinity conversions off at its entry point (<see cref="JobProgram.DisableNpgsqlInfinityConversions"/>).
/// The switch is process-wide and Npgsql reads it once, at its first use: in the test process the fixtures and the
/// tests that build the job's stores by hand use Npgsql long before any in-process job run starts, so the tests set it
/// here, before any test code runs, and every write path they exercise behaves as in the job's own process.
/// </summary>
internal static class NpgsqlSwitches
{
    [ModuleInitializer]
    internal static void BeforeAnyTest() => JobProgram.DisableNpgsqlInfinityConversions();
}
