namespace EnergyPipeline.Connectivity;

/// <summary>
/// An expected failure at start: a service cannot be reached. The message is the whole story (address, setting,
/// cause), so it is printed as one line without a stack trace.
/// </summary>
public sealed class ServiceUnreachableException(string message) : Exception(message);

/// <summary>A connection setting that cannot be used as written (exit code 2); the message names the setting.</summary>
public sealed class ConnectionSettingException(string message) : Exception(message);
