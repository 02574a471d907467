using EnergyPipeline.SparkJob.SparkConnect;

namespace EnergyPipeline.Tests.Spark;

public sealed class SparkConnectionStringTests
{
    [Theory]
    [InlineData("sc://spark:15002", "spark", 15002, SparkConnectionString.DefaultUserId, "http://spark:15002/")]
    [InlineData("sc://localhost", "localhost", 15002, SparkConnectionString.DefaultUserId, "http://localhost:15002/")]
    [InlineData("sc://10.0.0.5:443/;user_id=alice", "10.0.0.5", 443, "alice", "http://10.0.0.5:443/")]
    [InlineData("SC://Spark.Example.org:15003/;use_ssl=false;user_agent=x", "spark.example.org", 15003, SparkConnectionString.DefaultUserId, "http://spark.example.org:15003/")]
    public void Parses_host_port_and_user(string text, string host, int port, string user, string grpcAddress)
    {
        var parsed = SparkConnectionString.Parse(text);

        Assert.Equal(host, parsed.Host, ignoreCase: true);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(user, parsed.UserId);
        Assert.Equal(grpcAddress, parsed.GrpcAddress.ToString(), ignoreCase: true);
    }

    [Theory]
    [InlineData("http://spark:15002", "sc://")]
    [InlineData("sc://", "host")]
    [InlineData("sc://spark:15002/path", "host")]
    [InlineData("sc://spark:notaport", "not host[:port]")]
    [InlineData("sc://spark:15002/;use_ssl=true", "TLS")]
    [InlineData("sc://spark:15002/;colour=blue", "unknown parameter 'colour'")]
    [InlineData("sc://spark:15002/;user_id", "not name=value")]
    public void Refuses_what_it_cannot_honour_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SparkConnectionString.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_is_refused_and_not_repeated_in_the_error()
    {
        var error = Assert.Throws<FormatException>(() => SparkConnectionString.Parse("sc://spark:15002/;token=s3cr3t-value;user_id=a"));

        Assert.Contains("TLS", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", error.Message, StringComparison.Ordinal);
    }
}
