using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;
using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Cli;

/// <summary>
/// The one line a failed command prints after "error: ". Input the user must fix (a bad spec, a
/// malformed record, a missing file, an unreachable store) keeps its own message, which already names
/// the problem; any other failure is named by the stage it happened in: "rm train step 37: cause".
/// </summary>
public static class CliErrors
{
    /// <summary>RLHF_DEBUG=1 adds the full exception (stack traces included) after the error line.</summary>
    public static bool Debug => Environment.GetEnvironmentVariable("RLHF_DEBUG") is "1" or "true";

    public static string Describe(string stage, Exception e) =>
        IsUserInput(ErrorText.Innermost(e)) ? ErrorText.Of(e) : ErrorText.Of(stage, e);

    static bool IsUserInput(Exception e) => e is RunSpecException or DataFormatException or RunStoreUnavailableException
        or CheckpointStoreUnavailableException or RunNotFoundException or FileNotFoundException or DirectoryNotFoundException
        or ArgumentException or InvalidDataException or UnauthorizedAccessException or OperationCanceledException
        or Commands.AdminApiUnreachableException;

    /// <summary>
    /// The exit code of a failed command: for an admin API answer 2 bad input (400, 413), 3 not found,
    /// 4 no or wrong key (401, 403); 1 for everything else (a conflict included).
    /// </summary>
    public static int ExitCode(Exception e) => e is Commands.AdminApiProblemException problem
        ? problem.Status switch { 400 or 413 => 2, 404 => 3, 401 or 403 => 4, _ => 1 }
        : 1;

    /// <summary>For commands whose contract is 2 on bad input (`merge`): input the user must fix exits 2, anything else as <see cref="ExitCode"/>.</summary>
    public static int ExitCodeWithBadInput(Exception e) => IsUserInput(ErrorText.Innermost(e)) ? 2 : ExitCode(e);

    /// <summary>Writes the error line (and with RLHF_DEBUG the details) to stderr.</summary>
    public static void Write(string stage, Exception e)
    {
        Console.Error.WriteLine($"error: {Describe(stage, e)}");
        if (Debug) Console.Error.WriteLine(e.ToString());
    }
}
