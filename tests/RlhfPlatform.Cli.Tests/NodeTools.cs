using System.Diagnostics;

namespace RlhfPlatform.Cli.Tests;

/// <summary>Node and the npm tools scripts/install-test-deps.sh puts in $RLHF_TOOLS (else &lt;repo&gt;/.tools).</summary>
static class NodeTools
{
    public static string Folder
    {
        get
        {
            if (Environment.GetEnvironmentVariable("RLHF_TOOLS") is { Length: > 0 } tools) return tools;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "RlhfPlatform.sln"))) return Path.Combine(dir.FullName, ".tools");
            throw new InvalidOperationException($"no RlhfPlatform.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Runs `node -e SCRIPT ARGS...`.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, params string[] args)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-e");
        info.ArgumentList.Add(script);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
