using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Evaluation;

/// <summary>BSR's over-optimization diagnostics of the hidden states h the reward is read from (last real token).</summary>
/// <param name="Norm">distribution of ‖h(x,y)‖ over every chosen and rejected response</param>
/// <param name="PairDifferenceNorm">distribution of ‖h_c - h_r‖ over the pairs</param>
/// <param name="EffectiveRank">entropy-based effective rank of the [2N, H] matrix of those hidden states</param>
public sealed record HiddenStateStats(DistributionStats Norm, DistributionStats PairDifferenceNorm, double EffectiveRank, int Rows);

public static class HiddenStateDiagnostics
{
    const int BatchSize = 64;

    public static HiddenStateStats Compute(RewardModel model, IReadOnlyList<TokenizedPair> pairs)
    {
        if (pairs.Count == 0) throw new ArgumentException("no pairs to diagnose");
        model.eval();
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var chosen = Hidden(model, pairs.Select(p => p.Prompt).ToArray(), pairs.Select(p => p.Chosen).ToArray());
        var rejected = Hidden(model, pairs.Select(p => p.Prompt).ToArray(), pairs.Select(p => p.Rejected).ToArray());
        var all = cat([chosen, rejected]);
        var norms = all.norm(1).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var differences = (chosen - rejected).norm(1).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return new HiddenStateStats(DistributionStats.Of(norms), DistributionStats.Of(differences), EffectiveRank(all), (int)all.shape[0]);
    }

    /// <summary>
    /// Effective rank (Roy and Vetterli 2007) of a matrix with singular values σ_i (not centred):
    /// p_i = σ_i / Σ_j σ_j, erank = exp(-Σ_i p_i ln p_i). Between 1 (one direction) and min(rows, cols).
    /// </summary>
    public static double EffectiveRank(Tensor matrix)
    {
        using var scope = NewDisposeScope();
        var singular = linalg.svdvals(matrix.to_type(ScalarType.Float64));
        var p = singular / singular.sum();
        var entropy = -(p * p.ClampMin(1e-300).log()).sum();
        return entropy.exp().item<double>();
    }

    static Tensor Hidden(RewardModel model, int[][] prompts, int[][] responses)
    {
        var parts = new List<Tensor>();
        for (int start = 0; start < prompts.Length; start += BatchSize)
        {
            int n = Math.Min(BatchSize, prompts.Length - start);
            using var batch = SequenceBatch.For(model, prompts[start..(start + n)], responses[start..(start + n)]);
            parts.Add(model.Rewards(batch.InputIds, batch.AttentionMask).LastHidden);
        }
        return cat(parts);
    }
}
