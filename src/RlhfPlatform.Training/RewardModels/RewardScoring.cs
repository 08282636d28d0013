using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>Inference with a trained reward model: scores of responses and pairwise accuracy.</summary>
public static class RewardScoring
{
    public const int BatchSize = 64;

    public static float[] Score(RewardModel model, IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        model.eval();
        using var inference = inference_mode();
        var scores = new List<float>(prompts.Count);
        for (int start = 0; start < prompts.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(BatchSize, prompts.Count - start);
            using var batch = SequenceBatch.For(model, prompts.Skip(start).Take(n).ToArray(), responses.Skip(start).Take(n).ToArray());
            scores.AddRange(model.Rewards(batch.InputIds, batch.AttentionMask).Rewards.cpu().data<float>().ToArray());
        }
        return scores.ToArray();
    }

    /// <summary>Fraction of pairs with r(chosen) &gt; r(rejected).</summary>
    public static double Accuracy(RewardModel model, IReadOnlyList<TokenizedPair> pairs)
    {
        var chosen = Score(model, pairs.Select(p => p.Prompt).ToArray(), pairs.Select(p => p.Chosen).ToArray());
        var rejected = Score(model, pairs.Select(p => p.Prompt).ToArray(), pairs.Select(p => p.Rejected).ToArray());
        return chosen.Zip(rejected).Count(x => x.First > x.Second) / (double)pairs.Count;
    }
}
