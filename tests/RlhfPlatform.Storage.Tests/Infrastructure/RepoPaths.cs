namespace RlhfPlatform.Storage.Tests;

/// <summary>Where the repository and its test tools are.</summary>
internal static class RepoPaths
{
    public const string InstallHint = "run scripts/install-test-deps.sh (as root) to install the test servers";

    public static string Root { get; } = FindRoot();

    /// <summary>$RLHF_TOOLS, else &lt;repo&gt;/.tools (where install-test-deps.sh puts npm tools).</summary>
    public static string Tools =>
        Environment.GetEnvironmentVariable("RLHF_TOOLS") is { Length: > 0 } tools ? tools : Path.Combine(Root, ".tools");

    public static string SchemaFolder(string dialect) => Path.Combine(Root, "schemas", dialect);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "RlhfPlatform.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"no RlhfPlatform.sln above {AppContext.BaseDirectory}");
    }
}
