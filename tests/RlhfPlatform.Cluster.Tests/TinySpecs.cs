namespace RlhfPlatform.Cluster.Tests;

/// <summary>The synthetic run the cluster tests submit: a tiny policy and reward model, then <c>steps</c> RLOO steps.</summary>
static class TinySpecs
{
    public static StringContent Json(string name, int steps, int promptsPerStep = 4, int samplesPerPrompt = 2) => new($$"""
    {
      "name": "{{name}}", "experiment": "cluster-tests", "seed": 5,
      "task": { "targetLength": 6 },
      "policy": { "model": { "layers": 1, "dim": 32, "heads": 2, "maxSeqLen": 48 }, "sft": { "examples": 200, "steps": 10, "batchSize": 16 } },
      "rewardModel": { "pairs": 200, "epochs": 1, "model": { "layers": 1, "dim": 32, "heads": 2, "maxSeqLen": 48 } },
      "rl": { "steps": {{steps}}, "promptsPerStep": {{promptsPerStep}}, "samplesPerPrompt": {{samplesPerPrompt}}, "maxNewTokens": 12 },
      "evaluation": { "prompts": 16, "maxNewTokens": 12 }
    }
    """, System.Text.Encoding.UTF8, "application/json");
}
