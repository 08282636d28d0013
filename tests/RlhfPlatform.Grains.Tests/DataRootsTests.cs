using System.Diagnostics;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A spec reads only regular files and folders under the data roots; every refusal is the same text, whether or not the target exists.</summary>
public sealed class DataRootsTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("rlhf-root-").FullName;
    readonly string outside = Directory.CreateTempSubdirectory("rlhf-outside-").FullName;

    public DataRootsTests()
    {
        File.WriteAllText(Path.Combine(root, "sft.jsonl"), """{"prompt": "a:", "response": "aa"}""");
        File.WriteAllText(Path.Combine(outside, "secret.jsonl"), """{"prompt": "top secret", "response": "x"}""");
    }

    public void Dispose()
    {
        Directory.Delete(root, recursive: true);
        Directory.Delete(outside, recursive: true);
    }

    static string Spec(string sftData) => $$"""{ "policy": { "sft": { "data": {{System.Text.Json.JsonSerializer.Serialize(sftData)}} } } }""";

    string Refusal(string sftData)
    {
        var error = Assert.Throws<RunSpecException>(() => RunSpecParser.Parse(Spec(sftData), root, new DataRoots([root])));
        Assert.DoesNotContain("secret", error.Message);
        return error.Message;
    }

    static readonly string Expected = "run spec is invalid: " + DataRoots.Refusal("policy.sft.data");

    [Fact]
    public void PathsUnderARootAreReadAsPlainPathsOrFileUris()
    {
        var roots = new DataRoots([root]);
        Assert.Equal(Path.Combine(root, "sft.jsonl"), RunSpecParser.Parse(Spec("sft.jsonl"), root, roots).Policy.Sft.Data);
        Assert.Equal(Path.Combine(root, "sft.jsonl"), RunSpecParser.Parse(Spec(new Uri(Path.Combine(root, "sft.jsonl")).AbsoluteUri), root, roots).Policy.Sft.Data);
        Assert.Equal(Path.Combine(root, "sft.jsonl"), RunSpecParser.Parse(Spec("sub/../sft.jsonl"), root, roots).Policy.Sft.Data);
        // A missing file inside a root may say so: the user may read there anyway.
        Assert.Contains("data file not found", Assert.Throws<RunSpecException>(() => RunSpecParser.Parse(Spec("nope.jsonl"), root, roots)).Message);
    }

    [Fact]
    public void EveryPathOutsideTheRootsGetsTheSameRefusal()
    {
        string existing = Path.Combine(outside, "secret.jsonl"), missing = Path.Combine(outside, "missing.jsonl");
        string linkOut = Path.Combine(root, "link-out.jsonl");
        File.CreateSymbolicLink(linkOut, existing);
        Directory.CreateSymbolicLink(Path.Combine(root, "dir-out"), outside);
        string fifo = Path.Combine(root, "fifo.jsonl");
        Process.Start("mkfifo", fifo)!.WaitForExit();
        Assert.True(File.Exists(fifo), "mkfifo made the FIFO");

        string[] refused =
        [
            existing, missing,                                             // absolute paths elsewhere, there or not
            "../" + Path.GetFileName(outside) + "/secret.jsonl",          // a .. escape
            "../" + Path.GetFileName(outside) + "/missing.jsonl",
            "link-out.jsonl", "dir-out/secret.jsonl", "dir-out/missing.jsonl", // symlinks leaving the root
            "fifo.jsonl", "/dev/null", "/dev/zero",                        // a FIFO under the root, devices
            new Uri(existing).AbsoluteUri, new Uri(missing).AbsoluteUri,   // file: URIs elsewhere
            "https://example.com/data.jsonl",
        ];
        foreach (string path in refused)
            Assert.Equal(Expected, Refusal(path));
    }

    [Fact]
    public void ASymlinkThatStaysInsideTheRootIsAllowed()
    {
        File.CreateSymbolicLink(Path.Combine(root, "alias.jsonl"), Path.Combine(root, "sft.jsonl"));
        Assert.NotNull(RunSpecParser.Parse(Spec("alias.jsonl"), root, new DataRoots([root])).Policy.Sft.Data);
    }
}
