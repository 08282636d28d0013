using System.Diagnostics;
using System.Text;

namespace RlhfPlatform.Cli.Tests;

/// <summary>Runs the built `rlhf` (rlhf.dll next to the tests) as a real process.</summary>
sealed class RlhfProcess : IAsyncDisposable
{
    readonly Process process;
    readonly StringBuilder stdout = new(), stderr = new();

    RlhfProcess(Process process) => this.process = process;

    public string Stdout { get { lock (stdout) return stdout.ToString(); } }
    public string Stderr { get { lock (stderr) return stderr.ToString(); } }

    public static RlhfProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rlhf.dll"));
        foreach (string arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        info.Environment["NO_COLOR"] = "1";
        var process = new Process { StartInfo = info };
        var result = new RlhfProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (result.stdout) result.stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (result.stderr) result.stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs to completion (at most <paramref name="timeout"/>) and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var run = Start(args, environment);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        await run.process.WaitForExitAsync(cts.Token);
        run.process.WaitForExit(); // drains the output readers
        return (run.process.ExitCode, run.Stdout, run.Stderr);
    }

    public bool HasExited => process.HasExited;

    /// <summary>Waits until the process ends by itself; false if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => process.ExitCode;

    /// <summary>Sends SIGTERM, as Kubernetes does to a pod it stops; the process shuts down by itself.</summary>
    public void Terminate()
    {
        if (kill(process.Id, Sigterm) != 0)
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);

    /// <summary>Ends the process at once, as a crash would (no graceful shutdown).</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
