namespace RlhfPlatform.Cli.Commands;

/// <summary>The admin API could not be reached or did not answer in time: the user's URL or server to fix.</summary>
public sealed class AdminApiUnreachableException(string message, Exception inner) : Exception(message, inner);
