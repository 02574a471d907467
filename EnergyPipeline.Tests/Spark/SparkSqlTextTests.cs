using EnergyPipeline.SparkJob.Spark;

namespace EnergyPipeline.Tests.Spark;

public sealed class SparkSqlTextTests
{
    [Theory]
    [InlineData("plain", @"'plain'")]
    [InlineData("x' OR '1'='1", @"'x\' OR \'1\'=\'1'")]
    [InlineData(@"back\slash\'", @"'back\\slash\\\''")]
    [InlineData("line\nbreak\ttab", @"'line\nbreak\ttab'")]
    [InlineData("", "''")]
    public void Literal_escapes_quotes_backslashes_and_line_breaks(string value, string expected)
    {
        var literal = SparkSqlText.Literal(value);

        Assert.Equal(expected, literal);
        var (code, literals) = SparkSqlScanner.Split(literal);
        Assert.Equal("?", code);
        Assert.Equal(value, Assert.Single(literals));
    }

    [Fact]
    public void Literal_refuses_other_control_characters()
    {
        Assert.Throws<ArgumentException>(() => SparkSqlText.Literal("bell\a"));
    }

    [Theory]
    [InlineData("kafka:29092", "kafka:29092")]
    [InlineData("kafka-1:9092, kafka-2.example.org:9093", "kafka-1:9092,kafka-2.example.org:9093")]
    [InlineData("127.0.0.1:1", "127.0.0.1:1")]
    public void Host_port_lists_are_accepted(string value, string expected) =>
        Assert.Equal(expected, SparkSqlText.HostPortList(value, "setting"));

    [Theory]
    [InlineData("kafka:29092' ) --")]
    [InlineData("kafka:29092'")]
    [InlineData("kafka")]
    [InlineData("kafka:0")]
    [InlineData("kafka:65536")]
    [InlineData("kafka:29092,")]
    [InlineData("-kafka:29092")]
    [InlineData("ka fka:29092")]
    [InlineData("tcp://kafka:29092")]
    [InlineData("")]
    public void Hostile_or_malformed_host_port_lists_are_refused_with_the_setting_named(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => SparkSqlText.HostPortList(value, "Pipeline:Spark:KafkaBootstrapServers"));
        Assert.Contains("Pipeline:Spark:KafkaBootstrapServers", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("raw_energy'")]
    [InlineData("raw energy")]
    [InlineData("raw_energy;DROP")]
    [InlineData("")]
    public void Hostile_topics_are_refused(string value) =>
        Assert.Throws<ArgumentException>(() => SparkSqlText.Topic(value, "topic"));

    [Theory]
    [InlineData("energy_db' OR '1'='1")]
    [InlineData("energy-db")]
    [InlineData("1db")]
    [InlineData("db?ssl=false")]
    public void Hostile_identifiers_are_refused(string value) =>
        Assert.Throws<ArgumentException>(() => SparkSqlText.Identifier(value, "database"));

    [Theory]
    [InlineData("hdfs://namenode:8020", "hdfs://namenode:8020")]
    [InlineData("hdfs://namenode:8020/", "hdfs://namenode:8020")]
    [InlineData("hdfs://nn/raw/energy_readings", "hdfs://nn/raw/energy_readings")]
    public void Hdfs_uris_are_accepted(string value, string expected) =>
        Assert.Equal(expected, SparkSqlText.HdfsUri(value, "hdfs"));

    [Theory]
    [InlineData("hdfs://namenode:8020/x' OR '1'='1")]
    [InlineData("file:///tmp")]
    [InlineData("hdfs://namenode:8020/../etc")]
    [InlineData("hdfs://namenode:8020/a b")]
    [InlineData("hdfs://user@namenode:8020")]
    public void Hostile_hdfs_uris_are_refused(string value) =>
        Assert.Throws<ArgumentException>(() => SparkSqlText.HdfsUri(value, "hdfs"));
}
