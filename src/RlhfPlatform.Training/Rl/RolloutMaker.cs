using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// "Make experience": k samples per prompt from the policy, with Σ log π_old and Σ log π_ref at the
/// generation temperature (greedy generation included: its log-probs are at that temperature too),
/// and whether each response ended with EOS (or a stop token) rather than at the token limit.
/// </summary>
public static class RolloutMaker
{
    public static Rollouts Make(CausalLm policy, ILanguageModel reference, IReadOnlyList<int[]> prompts, int samplesPerPrompt,
        GenerationOptions generation, long seed)
    {
        var repeated = prompts.SelectMany(p => Enumerable.Repeat(p, samplesPerPrompt)).ToArray();
        policy.eval();
        var generated = BatchGenerator.Generate(policy, repeated, generation, new Generator((ulong)seed));
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var batch = SequenceBatch.Build(repeated, generated.Responses, policy.Config.PadTokenId);
        var refLogProbs = ResponseLogProbs.Sum(reference, batch, generation.Temperature).data<float>().ToArray();
        var logProbs = generated.LogProbs.Select(l => l.Sum()).ToArray();
        var stopTokens = generation.StopTokens.Concat(policy.Config.EosTokenIds).ToHashSet();
        var endedWithEos = generated.Responses.Select(r => r.Length > 0 && stopTokens.Contains(r[^1])).ToArray();
        return new Rollouts(repeated, generated.Responses, logProbs, refLogProbs, samplesPerPrompt, generation.Temperature, endedWithEos);
    }
}
