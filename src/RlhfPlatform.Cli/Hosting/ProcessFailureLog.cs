using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Hosting;

/// <summary>
/// Failures no command awaits: a faulted task nobody observed, or an exception that escaped a thread.
/// Each gets one stderr line (stack trace only with RLHF_DEBUG=1) instead of passing silently or
/// ending the process with the runtime's dump. A native crash (SIGSEGV, a C++ terminate) cannot be caught.
/// </summary>
public static class ProcessFailureLog
{
    static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1) return;
        TaskScheduler.UnobservedTaskException += (_, args) =>
        {
            if (!IsOrleansShutdownMarker(args.Exception)) Write("warning: a background task failed unobserved", args.Exception);
            args.SetObserved();
        };
        AppDomain.CurrentDomain.UnhandledException += (_, args) =>
        {
            Write("error: unhandled failure", args.ExceptionObject as Exception);
            // The runtime would print the stack trace and abort: end now with the line above and exit code 1.
            if (args.IsTerminating && !CliErrors.Debug) Environment.Exit(1);
        };
    }

    /// <summary>
    /// A stopping silo disposes Orleans' internal AsyncEnumerable (membership updates), which publishes a last
    /// element whose task holds an ObjectDisposedException ("This instance has been disposed", never thrown)
    /// that nothing awaits: the end of a stream, not a failure.
    /// </summary>
    public static bool IsOrleansShutdownMarker(AggregateException failure) =>
        failure.InnerExceptions is [ObjectDisposedException { ObjectName: "This instance has been disposed", StackTrace: null }];

    static void Write(string what, Exception? e)
    {
        Console.Error.WriteLine(e == null ? what : $"{what}: {ErrorText.Of(e)}");
        if (CliErrors.Debug && e != null) Console.Error.WriteLine(e.ToString());
    }
}
