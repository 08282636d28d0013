namespace RlhfPlatform.Cli.Commands;

/// <summary>The admin API answered with an error status; <see cref="Detail"/> is its problem-details detail (or body).</summary>
public sealed class AdminApiProblemException(int status, string detail)
    : ArgumentException($"admin API answered {status}: {detail}")
{
    public int Status { get; } = status;
    public string Detail { get; } = detail;
}
