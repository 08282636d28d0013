namespace RlhfPlatform.Training.Rl;

/// <summary>
/// One batch of experience: for each prompt, SamplesPerPrompt consecutive samples. LogProbs are the
/// sampling policy's Σ_t log π_old(y_t), RefLogProbs the reference's Σ_t log π_ref(y_t), both at the
/// sampling temperature.
/// </summary>
public sealed record Rollouts(int[][] Prompts, int[][] Responses, float[] LogProbs, float[] RefLogProbs, int SamplesPerPrompt)
{
    public int Count => Responses.Length;

    public Rollouts Validate(int minSamplesPerPrompt = 1)
    {
        if (SamplesPerPrompt < minSamplesPerPrompt)
            throw new ArgumentException($"need at least {minSamplesPerPrompt} samples per prompt (got {SamplesPerPrompt})");
        if (Count == 0 || Count % SamplesPerPrompt != 0)
            throw new ArgumentException($"{Count} samples is not a whole number of groups of {SamplesPerPrompt}");
        if (Prompts.Length != Count || LogProbs.Length != Count || RefLogProbs.Length != Count)
            throw new ArgumentException("prompts, responses, log-probs and reference log-probs must have one entry per sample");
        return this;
    }

    /// <summary>Σ_t (log π_old - log π_ref) per sample: the sample-based (k1) estimate of KL(π_old ‖ π_ref), one term per sequence.</summary>
    public float[] SequenceKl() => LogProbs.Zip(RefLogProbs, (a, b) => a - b).ToArray();
}
