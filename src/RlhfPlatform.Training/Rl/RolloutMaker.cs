using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// "Make experience": k samples per prompt from the policy, with Σ log π_old and Σ log π_ref at the
/// generation temperature (greedy generation included: its log-probs are at that temperature too),
/// and whether each response ended with EOS (or a stop token) rather than at the token limit.
/// Every sample has its own seed, from <c>seed</c> and its row in the whole step's batch (prompt
/// <c>firstPrompt + i</c>, sample j): a shard of the step's prompts samples exactly what the same rows
/// of the unsharded batch do.
/// </summary>
public static class RolloutMaker
{
    public static Rollouts Make(CausalLm policy, ILanguageModel reference, IReadOnlyList<int[]> prompts, int samplesPerPrompt,
        GenerationOptions generation, long seed, int firstPrompt = 0)
    {
        var repeated = prompts.SelectMany(p => Enumerable.Repeat(p, samplesPerPrompt)).ToArray();
        long firstRow = (long)firstPrompt * samplesPerPrompt;
        var rowSeeds = Enumerable.Range(0, repeated.Length).Select(r => (long)SeedMix.Derive(seed, firstRow + r)).ToArray();
        policy.eval();
        var generated = BatchGenerator.Generate(policy, repeated, generation, rowSeeds);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var batch = SequenceBatch.For(reference, repeated, generated.Responses);
        var refLogProbs = ResponseLogProbs.SumInChunks(reference, batch, generation.Temperature).cpu().data<float>().ToArray();
        var logProbs = generated.LogProbs.Select(l => l.Sum()).ToArray();
        var stopTokens = generation.StopTokens.Concat(policy.Config.EosTokenIds).ToHashSet();
        var endedWithEos = generated.Responses.Select(r => r.Length > 0 && stopTokens.Contains(r[^1])).ToArray();
        return new Rollouts(repeated, generated.Responses, logProbs, refLogProbs, samplesPerPrompt, generation.Temperature, endedWithEos);
    }
}
