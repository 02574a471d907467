namespace EnergyPipeline.Settings;

/// <summary>
/// Command-line tokens that set configuration, as the host's command-line provider reads them:
/// <c>--Section:Key=value</c> and <c>--Section:Key value</c>.
/// </summary>
public static class ConfigurationArguments
{
    /// <summary>
    /// Collects the configuration tokens among those the parser did not match, up to the first token that is not one
    /// (returned as <c>Rejected</c>, for the program to name in its own usage error). A token without <c>=</c> takes
    /// the next one as its value unless that starts with <c>-</c>; a rejected token never takes the next one with it.
    /// </summary>
    public static (List<string> Passthrough, string? Rejected) Collect(IReadOnlyList<string> unmatched)
    {
        var passthrough = new List<string>();
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            if (!IsConfigurationKey(token))
            {
                return (passthrough, token);
            }

            passthrough.Add(token);
            if (!token.Contains('=', StringComparison.Ordinal) && i + 1 < unmatched.Count && !unmatched[i + 1].StartsWith('-'))
            {
                passthrough.Add(unmatched[++i]);
            }
        }

        return (passthrough, null);
    }

    private static bool IsConfigurationKey(string token) =>
        token.StartsWith("--", StringComparison.Ordinal) && token.Split('=', 2)[0].Contains(':', StringComparison.Ordinal);
}
