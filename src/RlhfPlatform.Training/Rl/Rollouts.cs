namespace RlhfPlatform.Training.Rl;

/// <summary>
/// One batch of experience: for each prompt, SamplesPerPrompt consecutive samples. LogProbs are the
/// sampling policy's Σ_t log π_old(y_t), RefLogProbs the reference's Σ_t log π_ref(y_t), both at the
/// sampling Temperature (greedy rollouts too: see <see cref="Modeling.Generation.TokenSampler"/>).
/// EndedWithEos[i] is false for a response cut off by the token limit.
/// </summary>
public sealed record Rollouts(int[][] Prompts, int[][] Responses, float[] LogProbs, float[] RefLogProbs, int SamplesPerPrompt,
    double Temperature, bool[] EndedWithEos)
{
    public int Count => Responses.Length;

    public Rollouts Validate(int minSamplesPerPrompt = 1)
    {
        if (SamplesPerPrompt < minSamplesPerPrompt)
            throw new ArgumentException($"need at least {minSamplesPerPrompt} samples per prompt (got {SamplesPerPrompt})");
        if (Count == 0 || Count % SamplesPerPrompt != 0)
            throw new ArgumentException($"{Count} samples is not a whole number of groups of {SamplesPerPrompt}");
        if (Prompts.Length != Count || LogProbs.Length != Count || RefLogProbs.Length != Count || EndedWithEos.Length != Count)
            throw new ArgumentException("prompts, responses, log-probs, reference log-probs and EOS flags must have one entry per sample");
        if (!(Temperature > 0)) throw new ArgumentException($"rollout temperature must be positive (got {Temperature})");
        return this;
    }

    /// <summary>
    /// Refuses rollouts sampled at another temperature than the learner's: their log π_old and
    /// log π_ref would be of another distribution than the log π_θ of the update, which biases the
    /// importance ratio and the KL term.
    /// </summary>
    public Rollouts RequireTemperature(double learnerTemperature, string learner)
    {
        if (Temperature != learnerTemperature)
            throw new ArgumentException(
                $"rollouts were sampled at temperature {Temperature} but {learner} computes log-probs at temperature {learnerTemperature}; " +
                "sample at the learner's temperature (or set its Temperature to the rollouts')");
        return this;
    }

    /// <summary>Prompt + response tokens of every sample: its width in a right-padded batch.</summary>
    public int[] RowLengths() => Prompts.Zip(Responses, (p, r) => p.Length + r.Length).ToArray();

    /// <summary>Σ_t (log π_old - log π_ref) per sample: the sample-based (k1) estimate of KL(π_old ‖ π_ref), one term per sequence.</summary>
    public float[] SequenceKl() => LogProbs.Zip(RefLogProbs, (a, b) => a - b).ToArray();
}
