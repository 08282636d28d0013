namespace RlhfPlatform.Cli.Tests;

/// <summary>Run specs small enough that a served run completes in seconds on one compute thread.</summary>
static class TinySpecs
{
    /// <summary>A run spec's body (no braces' worth of name or experiment: the caller adds those).</summary>
    public const string Body = """
      "task": { "targetLength": 6 },
      "policy": { "model": { "layers": 1, "dim": 16, "heads": 2, "maxSeqLen": 48 }, "sft": { "examples": 64, "steps": 4, "batchSize": 16 } },
      "rewardModel": { "pairs": 64, "epochs": 1, "model": { "layers": 1, "dim": 16, "heads": 2, "maxSeqLen": 48 } },
      "rl": { "steps": 2, "promptsPerStep": 2, "samplesPerPrompt": 2, "maxNewTokens": 8 },
      "evaluation": { "prompts": 8, "maxNewTokens": 8, "bestOfN": 2, "bestOfNPrompts": 4 }
    """;

    public static string Run(string name, string experiment) => $$"""{ "name": "{{name}}", "experiment": "{{experiment}}", {{Body}} }""";
}
