using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;
using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Cli;

/// <summary>Which failures are the user's to fix, and the one line that tells them what to fix.</summary>
public static class CliErrors
{
    public static string? Describe(Exception e) => e switch
    {
        RunSpecException or DataFormatException or RunStoreUnavailableException or CheckpointStoreUnavailableException
            or RunNotFoundException or FileNotFoundException or DirectoryNotFoundException or ArgumentException
            or InvalidDataException => e.Message,
        HttpRequestException http => $"cannot reach the admin API: {http.Message}",
        UnauthorizedAccessException => e.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };
}
