namespace EnergyPipeline.AppHost.Pipeline;

/// <summary><c>--help</c>, <c>-h</c> or <c>help</c>: the command and the settings the AppHost reads.</summary>
public static class AppHostHelp
{
    public const string Text = """
        Usage: dotnet run --project EnergyPipeline.AppHost [-- --Section:Key=value ...]

        Runs the pipeline (UCI household power file -> ingestor -> Kafka raw_energy -> job -> PostgreSQL
        quarterly_energy_data) with the Aspire dashboard. Settings come from appsettings.json, environment variables
        (Section__Key) or the command line (--Section:Key=value).

        Setting                           Default      Meaning
        Pipeline:Infrastructure           auto         auto: containers when a container runtime answers, else embedded;
                                                       containers: Kafka, PostgreSQL (and Spark, HDFS) in containers;
                                                       embedded: Kafka inside the AppHost (librdkafka mock cluster),
                                                       PostgreSQL from local binaries, engine local, no container.
        Pipeline:Engine                   spark        spark (Spark Connect) or local (in-process); local when embedded.
        Pipeline:Postgres:BinDirectory    (searched)   PostgreSQL binaries for embedded mode; else /usr/lib/postgresql/N/bin or PATH.
        Pipeline:Embedded:DataDirectory   (see right)  Where embedded PostgreSQL keeps its data between runs: by default
                                                       ~/.local/share/energy-pipeline/postgres ($XDG_DATA_HOME if set),
                                                       as root /var/lib/energy-pipeline/postgres. One AppHost at a time.
        Pipeline:Embedded:ThrowAway       false        true: a throw-away embedded PostgreSQL in /tmp, removed at the end.
        Pipeline:ExitWhenDone             false        true: exit when the job has ended (scripts, CI): exit code 0 when
                                                       the ingestor and the job succeeded, 1 otherwise.
        Pipeline:Spark:Workers            0            Spark standalone workers (containers only).
        Ingestor:File                     (none)       The file to ingest; else the UCI data set in data/ (downloaded),
                                                       else a generated file of the same shape when offline.
        ConnectionStrings:kafka           (none)       An existing Kafka (host:port): replaces the Kafka resource.
        ConnectionStrings:energy_db       (none)       An existing PostgreSQL database (Npgsql string): replaces PostgreSQL.
        ConnectionStrings:spark           (none)       An existing Spark Connect endpoint (sc://host:15002).
        ConnectionStrings:hdfs            (none)       An existing HDFS (hdfs://host:8020).
        ASPIRE_CONTAINER_RUNTIME          docker       docker or podman.

        The console shows each service's start, progress and outcome, then the figures as a table and a chart.
        Ctrl+C (or SIGTERM) at any moment stops every service and the embedded servers, with one line.

        Exit codes: 0 stopped normally (with Pipeline:ExitWhenDone: both services succeeded), 1 cannot run here (the
        message says why) or, with Pipeline:ExitWhenDone, a service failed, 2 configuration error, 130 stopped by
        Ctrl+C, 143 stopped by SIGTERM.
        """;

    public static bool IsRequested(IReadOnlyList<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "help");
}
