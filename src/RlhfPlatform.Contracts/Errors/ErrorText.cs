using System.Reflection;
using System.Runtime.InteropServices;

namespace RlhfPlatform.Contracts;

/// <summary>
/// Turns any exception into one line for people: the innermost meaningful message, only the first
/// line of a native (libtorch) error, whose later lines are "Exception raised from ..." and C++
/// frames, and the exception's type where the message alone would not say what went wrong. The
/// CLI, the grains' background jobs and a run's recorded error all use it.
/// </summary>
public static class ErrorText
{
    /// <summary>The cause, in one line.</summary>
    public static string Of(Exception e)
    {
        e = Innermost(e);
        return e switch
        {
            OperationCanceledException => "cancelled",
            ExternalException => FirstLine(e.Message),
            _ when ExplainsItself(e) => OneLine(e.Message),
            _ => $"{e.GetType().Name}: {OneLine(e.Message)}",
        };
    }

    /// <summary>"stage: cause", unless the failure already names a stage (the innermost stage is the most precise).</summary>
    public static string Of(string stage, Exception e) =>
        Innermost(e) is StageException staged ? staged.Message : $"{stage}: {Of(e)}";

    /// <summary>Skips wrappers whose own message says nothing (a single-task aggregate, reflection, type initializers).</summary>
    public static Exception Innermost(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } aggregate: e = aggregate.InnerExceptions[0]; break;
                case TargetInvocationException { InnerException: { } inner }: e = inner; break;
                case TypeInitializationException { InnerException: { } inner }: e = inner; break;
                default: return e;
            }
        }
    }

    /// <summary>
    /// Types whose message is written for the reader: the platform's own exceptions (raised with
    /// messages that name the problem) and the .NET ones about bad arguments, files and state.
    /// Anything else (NullReferenceException, KeyNotFoundException, a library's) keeps its type name.
    /// </summary>
    static bool ExplainsItself(Exception e) =>
        e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException
            or InvalidOperationException or TimeoutException or NotSupportedException
        || e.GetType().Namespace?.StartsWith("RlhfPlatform", StringComparison.Ordinal) == true;

    static string FirstLine(string message)
    {
        string first = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return first.Length > 0 ? first : "native error without a message";
    }

    static string OneLine(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
