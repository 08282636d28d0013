using System.Diagnostics;
using System.Text;

namespace RlhfPlatform.Storage.Tests;

/// <summary>The Azurite blob emulator on a free loopback port, data in a temp folder.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented credentials).</summary>
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TempFolder _location = new("rlhf-azurite-");
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>Start on this port rather than a free one picked at start (a service that comes up late where a client already looks).</summary>
    public int? RequestedPort { get; init; }

    public string ConnectionString => ConnectionStringFor(Port);

    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/{Account};";

    /// <summary>A container name no other test uses.</summary>
    public static string NewContainerName() => "test-" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        var executable = FindAzuriteBlob();
        Port = RequestedPort ?? FreeTcpPort.Pick();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _location.Path,
        };
        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--location", _location.Path,
                     "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                 })
            start.ArgumentList.Add(argument);

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        _process.OutputDataReceived += (_, line) => Record(line.Data);
        _process.ErrorDataReceived += (_, line) => Record(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await FreeTcpPort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(20),
            () => _process.HasExited ? $"azurite-blob exited with {_process.ExitCode}: {RecordedOutput()}" : null);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process?.Dispose();
        }
        finally
        {
            _location.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private string RecordedOutput()
    {
        lock (_output)
            return _output.ToString();
    }

    private static string FindAzuriteBlob()
    {
        var inTools = Path.Combine(RepoPaths.Tools, "node_modules", ".bin", "azurite-blob");
        if (File.Exists(inTools))
            return inTools;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "azurite-blob"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new InvalidOperationException(
            $"azurite-blob not found at {inTools} nor on PATH: {RepoPaths.InstallHint}");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
