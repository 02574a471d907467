using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// pgweb, the browser view of the energy database, reading it as a read-only role of its own (instead of Aspire's
/// <c>WithPgWeb</c>, which hands pgweb the superuser's password). Its one connection is a bookmark that names the role,
/// the database and the environment variable holding the password (pgweb's <c>passwordvar</c>): no password is in a
/// file or an argument. pgweb runs with <c>--sessions --bookmarks-only</c> (it connects when the bookmark is chosen, so
/// it starts before the job has created the role, and to nothing else) and <c>--readonly</c>; the role itself allows
/// only SELECT on the figures and the run log (sosedoff/pgweb 0.17.0, pkg/command/options.go and pkg/api/api.go,
/// <c>Connect</c>; pkg/bookmarks/bookmarks.go, <c>ConvertToOptions</c>).
/// </summary>
public static class PgWebBuilderExtensions
{
    /// <summary>The image and tag Aspire.Hosting.PostgreSQL 13.6 pins for its pgweb.</summary>
    internal const string Image = "sosedoff/pgweb";
    internal const string Tag = "0.17.0";
    internal const string Registry = "docker.io";
    internal const int HttpPort = 8081;
    internal const string HttpEndpointName = "http";
    internal const string BookmarksDirectory = "/.pgweb/bookmarks";
    internal const string PasswordVariable = "ENERGY_DB_READER_PASSWORD";

    /// <summary>The read-only role pgweb logs in as; the job provisions it (<see cref="DatabaseReaderExtensions"/>).</summary>
    internal const string ReaderRole = "pgweb_reader";

    public static IResourceBuilder<PgWebResource> AddReadOnlyPgWeb(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<PostgresDatabaseResource> database)
    {
        var readerPassword = GeneratedSecret.Add(builder, ReaderPasswordParameter(name));
        return builder.AddResource(new PgWebResource(name, ReaderRole, readerPassword.Resource))
            .WithImage(Image, Tag)
            .WithImageRegistry(Registry)
            .WithHttpEndpoint(targetPort: HttpPort, name: HttpEndpointName)
            .WithArgs("--sessions", "--bookmarks-only", $"--bookmarks-dir={BookmarksDirectory}", "--readonly", "--no-ssh")
            .WithEnvironment(PasswordVariable, readerPassword)
            .WithContainerFiles("/", async (_, cancellationToken) =>
            {
                var target = await DashboardDatabaseTarget.ResolveAsync(database.Resource, cancellationToken).ConfigureAwait(false);
                return [new ContainerDirectory
                {
                    Name = ".pgweb",
                    Entries = [new ContainerDirectory { Name = "bookmarks", Entries = [new ContainerFile { Name = BookmarkFile(database.Resource), Contents = Bookmark(target) }] }],
                }];
            })
            .WithHttpHealthCheck("/", endpointName: HttpEndpointName)
            .WithUrlForEndpoint(HttpEndpointName, url => url.DisplayText = "pgweb (read-only)")
            .WithRelationship(database.Resource.Parent, "PgWeb")
            .ExcludeFromManifest();
    }

    /// <summary>The secret parameter of pgweb's role's password, generated and kept in the user secrets unless set.</summary>
    public static string ReaderPasswordParameter(string pgweb) => $"{pgweb}-reader-password";

    internal static string BookmarkFile(PostgresDatabaseResource database) => $"{database.DatabaseName}.toml";

    /// <summary>The bookmark (TOML; pgweb matches keys to its fields without regard to case).</summary>
    internal static string Bookmark(DashboardDatabaseTarget target) => string.Create(CultureInfo.InvariantCulture, $"""
        host = "{target.Host}"
        port = {target.Port}
        user = "{ReaderRole}"
        passwordvar = "{PasswordVariable}"
        database = "{target.Database}"
        sslmode = "{target.SslMode}"
        readonly = true

        """);
}
