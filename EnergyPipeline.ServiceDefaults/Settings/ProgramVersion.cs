using System.Reflection;

namespace EnergyPipeline.Settings;

/// <summary>
/// What <c>--version</c> prints: the program's name and its informational version (the build's version and, when built
/// from a git checkout, the commit).
/// </summary>
public static class ProgramVersion
{
    public const string Option = "--version";

    public static string Of(Assembly program) =>
        $"{program.GetName().Name} {program.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? program.GetName().Version?.ToString()}";
}
