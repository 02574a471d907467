using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EnergyPipeline.Summaries;

/// <summary>
/// How the programs write their one-line JSON summaries: text as it is (<c>'</c>, <c>é</c>, <c>·</c>), not as
/// <c>\u0027</c> escapes. The lines go to a terminal, a log or a script, never into HTML, so the relaxed encoder's
/// only risk does not apply.
/// </summary>
public static class SummaryJson
{
    public static JsonSerializerOptions SerializerOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One JSON object written by <paramref name="writeProperties"/> between its braces, as one line.</summary>
    public static string Object(Action<Utf8JsonWriter> writeProperties)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = SerializerOptions.Encoder }))
        {
            json.WriteStartObject();
            writeProperties(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
