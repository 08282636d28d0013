using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>"Make experience": k samples per prompt from the policy, with Σ log π_old and Σ log π_ref at the sampling temperature.</summary>
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
        return new Rollouts(repeated, generated.Responses, logProbs, refLogProbs, samplesPerPrompt);
    }
}
