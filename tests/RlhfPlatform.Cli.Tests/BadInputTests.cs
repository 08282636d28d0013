using System.Net;
using System.Net.Sockets;

namespace RlhfPlatform.Cli.Tests;

public sealed class BadInputTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static void AssertOneErrorLine(int exitCode, string stderr, string expected)
    {
        Assert.Equal(1, exitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public async Task MalformedRunSpecIsOneClearErrorLine()
    {
        string spec = Path.Combine(folder, "bad.json");
        await File.WriteAllTextAsync(spec, """{ "name": "x", "rl": { "steps": -3, "colour": "red" } }""");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["submit", spec, "--api", "http://127.0.0.1:9"]);
        AssertOneErrorLine(exit, stderr, "run spec does not match the schema");
        Assert.Contains("rl.steps", stderr);
        Assert.Contains("rl.colour: unknown property", stderr);
    }

    [Fact]
    public async Task SpecThatIsNotJsonIsOneClearErrorLine()
    {
        string spec = Path.Combine(folder, "broken.json");
        await File.WriteAllTextAsync(spec, "{ \"name\": ");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["submit", spec]);
        AssertOneErrorLine(exit, stderr, "run spec is not valid JSON");
    }

    [Fact]
    public async Task MissingDataFileIsNamed()
    {
        string spec = Path.Combine(folder, "spec.json");
        await File.WriteAllTextAsync(spec, """{ "name": "x", "rewardModel": { "data": "pairs/missing.jsonl" } }""");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["submit", spec]);
        AssertOneErrorLine(exit, stderr, $"rewardModel.data: data file not found: {Path.Combine(folder, "pairs", "missing.jsonl")}");
    }

    [Fact]
    public async Task UnreachablePostgresIsOneClearErrorLine()
    {
        int closedPort = ClosedPort();
        var environment = new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = $"Host=127.0.0.1;Port={closedPort};Database=rlhf;Username=rlhf;Timeout=3",
        };
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["serve", "--out", folder], environment);
        AssertOneErrorLine(exit, stderr, $"127.0.0.1:{closedPort}");
    }

    static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
