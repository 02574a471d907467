using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Utils;

namespace Aspire.Hosting;

/// <summary>
/// Persistence of HDFS, for the namenode and its datanodes together: a namenode whose metadata survives without
/// the blocks it lists stays in safe mode, and datanodes with blocks of another namespace are refused by a
/// freshly formatted namenode.
/// </summary>
public static class HdfsDataExtensions
{
    // The hadoop image makes /data world-writable (hadoop-runner); a fresh named volume mounted there inherits that
    // mode, so the unprivileged hadoop user can write into it. A new directory would be root's.
    internal const string DataTarget = "/data";
    internal const string NameDirectory = "/data/name";
    internal const string BlockDirectory = "/data/blocks";

    /// <summary>Keeps the namenode's metadata and every datanode's blocks in named volumes (<c>{name}</c>, <c>{name}-{datanode}</c>).</summary>
    public static IResourceBuilder<HdfsNameNodeResource> WithDataVolume(this IResourceBuilder<HdfsNameNodeResource> builder, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var volume = name ?? VolumeNameGenerator.Generate(builder, "data");
        builder.WithVolume(volume, DataTarget).KeepNamespaceIn();
        foreach (var datanode in Datanodes(builder))
        {
            datanode.WithVolume($"{volume}-{datanode.Resource.Name}", DataTarget).KeepBlocksIn();
        }

        return builder;
    }

    /// <summary>
    /// Keeps the namenode's metadata in <c>{source}/{namenode}</c> and every datanode's blocks in
    /// <c>{source}/{datanode}</c> on the host; the directories must be writable by uid 1000 (the image's hadoop user).
    /// </summary>
    public static IResourceBuilder<HdfsNameNodeResource> WithDataBindMount(this IResourceBuilder<HdfsNameNodeResource> builder, string source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(source);

        builder.WithBindMount(Path.Combine(source, builder.Resource.Name), DataTarget).KeepNamespaceIn();
        foreach (var datanode in Datanodes(builder))
        {
            datanode.WithBindMount(Path.Combine(source, datanode.Resource.Name), DataTarget).KeepBlocksIn();
        }

        return builder;
    }

    private static void KeepNamespaceIn(this IResourceBuilder<HdfsNameNodeResource> namenode) => namenode
        .WithEnvironment("HDFS-SITE.XML_dfs.namenode.name.dir", NameDirectory)
        // The image formats the namenode only when this directory is absent: a kept namespace is not formatted again.
        .WithEnvironment("ENSURE_NAMENODE_DIR", NameDirectory);

    private static void KeepBlocksIn(this IResourceBuilder<ContainerResource> datanode) =>
        datanode.WithEnvironment("HDFS-SITE.XML_dfs.datanode.data.dir", BlockDirectory);

    /// <summary>The datanode declared with the namenode, as a list so that more datanodes need no change here.</summary>
    private static List<IResourceBuilder<ContainerResource>> Datanodes(IResourceBuilder<HdfsNameNodeResource> namenode) =>
        namenode.Resource.DataNode is { } datanode ? [namenode.ApplicationBuilder.CreateResourceBuilder(datanode)] : [];
}
