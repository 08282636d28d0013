namespace RlhfPlatform.Training.Rl;

/// <summary>
/// Shared shaping of the raw proxy score before the KL term:
///   r' = clip(r, -Clip, Clip) - LengthPenalty · |y| - MissingEosPenalty · [y did not end with EOS]
/// Clip = 0 turns clipping off; |y| counts response tokens. The missing-EOS penalty (TRL's
/// missing_eos_penalty) makes responses cut off by the token limit worth less than finished ones;
/// it is applied after the clip so that clipping cannot cancel it.
/// </summary>
public sealed record RewardShaping(double Clip = 0, double LengthPenalty = 0, double MissingEosPenalty = 0)
{
    public float[] Apply(IReadOnlyList<float> rewards, Rollouts rollouts) => Apply(rewards, rollouts.Responses, rollouts.EndedWithEos);

    public float[] Apply(IReadOnlyList<float> rewards, IReadOnlyList<int[]> responses, IReadOnlyList<bool> endedWithEos)
    {
        if (Clip < 0) throw new ArgumentException($"reward clip must be 0 (off) or positive (got {Clip})");
        if (MissingEosPenalty < 0) throw new ArgumentException($"missing-EOS penalty must be 0 (off) or positive (got {MissingEosPenalty})");
        if (responses.Count != rewards.Count || endedWithEos.Count != rewards.Count)
            throw new ArgumentException($"{rewards.Count} rewards for {responses.Count} responses and {endedWithEos.Count} EOS flags");
        var shaped = new float[rewards.Count];
        for (int i = 0; i < shaped.Length; i++)
        {
            double r = Clip > 0 ? Math.Clamp(rewards[i], -Clip, Clip) : rewards[i];
            r -= LengthPenalty * responses[i].Length;
            if (!endedWithEos[i]) r -= MissingEosPenalty;
            shaped[i] = (float)r;
        }
        return shaped;
    }
}
