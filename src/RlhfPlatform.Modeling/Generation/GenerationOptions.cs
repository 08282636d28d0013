namespace RlhfPlatform.Modeling.Generation;

/// <summary>How to sample. TopK = 0 and TopP = 1 disable those filters; Greedy picks tokens regardless of temperature, but its log-probs are at Temperature like sampled ones.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 32;
    public double Temperature { get; init; } = 1.0;
    public int TopK { get; init; }
    public double TopP { get; init; } = 1.0;
    public bool Greedy { get; init; }
    /// <summary>Tokens that end a sequence (kept as its last token) besides the model's EOS ids.</summary>
    public IReadOnlyList<int> StopTokens { get; init; } = [];
    /// <summary>Every row generates exactly MaxNewTokens; EOS and stop tokens end nothing (benchmarks, fixed-length rollouts).</summary>
    public bool IgnoreEos { get; init; }

    public GenerationOptions Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentException($"max new tokens must be at least 1 (got {MaxNewTokens})");
        if (!(Temperature > 0)) throw new ArgumentException($"temperature must be positive (got {Temperature})");
        if (TopK < 0) throw new ArgumentException($"top-k must be 0 (off) or positive (got {TopK})");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1] (got {TopP})");
        return this;
    }
}

/// <summary>
/// Sampled responses (up to and including the stop token when one was sampled), the log-probability
/// of each sampled token under the temperature-scaled, unfiltered distribution (what the policy
/// gradient needs), and the response lengths.
/// </summary>
public sealed record GenerationResult(int[][] Responses, float[][] LogProbs)
{
    public int[] Lengths => Responses.Select(r => r.Length).ToArray();
}
