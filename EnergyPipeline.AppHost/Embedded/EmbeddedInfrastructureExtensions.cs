using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.ServiceDefaults.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// The embedded infrastructure (no container): Kafka as librdkafka's mock cluster inside the AppHost, PostgreSQL as
/// an executable from the local binaries. Both show on the dashboard with their state and a health check. Kafka is gone
/// when the AppHost ends; PostgreSQL's data is kept between runs unless it is a throw-away server, and only the owner
/// of its password gets in.
/// </summary>
public static class EmbeddedInfrastructureExtensions
{
    private const string KafkaResourceType = "EmbeddedKafka";

    public static IResourceBuilder<EmbeddedKafkaResource> AddEmbeddedKafka(
        this IDistributedApplicationBuilder builder, string name, IReadOnlyList<EmbeddedTopic> topics)
    {
        var kafka = new EmbeddedKafkaResource(name, topics);
        var healthCheck = new KafkaHealthCheck(() => kafka.IsStarted ? kafka.Cluster.BootstrapServers : null, TimeSpan.FromSeconds(5));
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey, _ => healthCheck, failureStatus: default, tags: default));

        builder.Eventing.Subscribe<InitializeResourceEvent>(kafka, async (e, ct) =>
        {
            // Clients (the health check's here, the services' in their processes) close before the cluster goes,
            // or their Close() waits about 45 s for a broker that no longer answers.
            e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() =>
            {
                healthCheck.Dispose();
                kafka.Stop();
            });

            await e.Notifications.PublishUpdateAsync(kafka, s => s with { State = KnownResourceStates.Starting }).ConfigureAwait(false);
            var servers = kafka.Cluster.BootstrapServers;
            await e.Eventing.PublishAsync(new ConnectionStringAvailableEvent(kafka, e.Services), ct).ConfigureAwait(false);
            await e.Notifications.PublishUpdateAsync(kafka, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
                Properties = [.. s.Properties,
                    new("kafka.bootstrap_servers", servers),
                    new("kafka.topics", string.Join(", ", topics.Select(t => $"{t.Name} ({t.Partitions} partitions)"))),
                    new("kafka.retention", $"in memory, 5 MiB per partition, sized for {EmbeddedKafkaSizing.Copies} ingestions of the data set; restart the AppHost to reset")],
            }).ConfigureAwait(false);
            e.Logger.LogInformation("Embedded Kafka (librdkafka mock cluster) listening on {Servers}", servers);
        });

        return builder.AddResource(kafka)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = KafkaResourceType,
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// A PostgreSQL server from <paramref name="binaries"/>, named <paramref name="name"/>, whose connection string
    /// is the database <paramref name="databaseName"/> (created once the server answers), its data kept or thrown away
    /// as <paramref name="storage"/> says, its superuser's password <paramref name="password"/>.
    /// </summary>
    public static IResourceBuilder<EmbeddedPostgresResource> AddEmbeddedPostgres(
        this IDistributedApplicationBuilder builder, string name, string databaseName, PostgresBinaries binaries, EmbeddedPostgresStorage storage,
        IResourceBuilder<ParameterResource> password)
    {
        var directory = EmbeddedPostgresDirectory.For(storage, binaries);
        var postgres = new EmbeddedPostgresResource(
            name, EmbeddedPostgresDirectory.AsServerUser(binaries.Postgres), directory, ServerPort.Free(), databaseName, password.Resource);

        // Owned by the container: disposed with the application however its start and stop went, so a throw-away
        // directory goes and a kept one is released even after an interrupted start-up.
        builder.Services.AddSingleton(_ => new EmbeddedPostgresLifetime(directory));
        // Stopped before the orchestrator's own stop (hosted services stop in reverse order of registration): a kept
        // server gets its clean shutdown while it still runs, instead of the signal the orchestrator ends processes with.
        builder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<EmbeddedPostgresLifetime>());
        builder.Eventing.Subscribe<BeforeStartEvent>(async (e, ct) =>
        {
            var lifetime = e.Services.GetRequiredService<EmbeddedPostgresLifetime>();
            var cleaned = EmbeddedPostgresDirectory.CleanLeftovers(binaries);
            if (cleaned > 0)
            {
                Console.WriteLine($"Removed {cleaned} embedded PostgreSQL director{(cleaned == 1 ? "y" : "ies")} left by an AppHost that was killed.");
            }

            if (await lifetime.Directory.InitialiseAsync(await password.Resource.GetValueAsync(ct).ConfigureAwait(false) ?? "", ct).ConfigureAwait(false) is { } notice)
            {
                Console.WriteLine(notice);
            }
        });

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new EmbeddedPostgresHealthCheck(postgres), failureStatus: default, tags: default));

        return builder.AddResource(postgres)
            .WithArgs([
                .. EmbeddedPostgresDirectory.AsServerUserArguments(binaries.Postgres),
                "-D", directory.DataDirectory,
                "-p", postgres.Port.ToString(CultureInfo.InvariantCulture),
                // Every account of this machine reaches 127.0.0.1: each connection proves the password (pg_hba.conf,
                // EmbeddedPostgresAuthentication); loopback keeps other machines out.
                "-c", "listen_addresses=127.0.0.1",
                .. directory.ServerArguments,
            ])
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>The server's clean stop when the application stops, and the directory's end when it is disposed.</summary>
    private sealed class EmbeddedPostgresLifetime(EmbeddedPostgresDirectory directory) : IHostedService, IAsyncDisposable
    {
        public EmbeddedPostgresDirectory Directory { get; } = directory;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.Run(Directory.StopServer, CancellationToken.None);

        public ValueTask DisposeAsync() => Directory.DisposeAsync();
    }
}
