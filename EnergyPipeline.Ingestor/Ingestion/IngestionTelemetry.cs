using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EnergyPipeline.Ingestor.Ingestion;

/// <summary>The ingestor's ActivitySource and Meter, both named <c>EnergyPipeline.Ingestor</c>.</summary>
public static class IngestionTelemetry
{
    public const string Name = "EnergyPipeline.Ingestor";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> RowsRead = Meter.CreateCounter<long>("energy.ingestor.rows_read", "{row}", "Data lines read from the file");
    public static readonly Counter<long> RowsSent = Meter.CreateCounter<long>("energy.ingestor.rows_sent", "{row}", "Readings acknowledged by Kafka");
    public static readonly Counter<long> RowsMalformed = Meter.CreateCounter<long>("energy.ingestor.rows_malformed", "{row}", "Lines that are not readings (never sent)");
    public static readonly Counter<long> RowsMissing = Meter.CreateCounter<long>("energy.ingestor.rows_missing", "{row}", "Readings with missing values");
    public static readonly Counter<long> BytesRead = Meter.CreateCounter<long>("energy.ingestor.bytes_read", "By", "Bytes of the file read");
    public static readonly Counter<long> DeliveryFailures = Meter.CreateCounter<long>("energy.ingestor.delivery_failures", "{message}", "Messages Kafka did not acknowledge");

    public static readonly Histogram<double> ProduceLatency = Meter.CreateHistogram<double>(
        "energy.ingestor.produce_latency", "ms", "Time from produce to Kafka's acknowledgement");
}
