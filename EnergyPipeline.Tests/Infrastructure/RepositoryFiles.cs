namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Files of the repository itself (container configuration, provisioning), found above the test binaries.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EnergyPipeline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EnergyPipeline.sln not found above the test binaries.");
    }
}
