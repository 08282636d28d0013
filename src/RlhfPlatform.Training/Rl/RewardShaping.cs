namespace RlhfPlatform.Training.Rl;

/// <summary>
/// Shared shaping of the raw proxy score before the KL term: r' = clip(r, -Clip, Clip) - LengthPenalty · |y|.
/// Clip = 0 turns clipping off; |y| counts response tokens.
/// </summary>
public sealed record RewardShaping(double Clip = 0, double LengthPenalty = 0)
{
    public float[] Apply(IReadOnlyList<float> rewards, IReadOnlyList<int[]> responses)
    {
        if (Clip < 0) throw new ArgumentException($"reward clip must be 0 (off) or positive (got {Clip})");
        var shaped = new float[rewards.Count];
        for (int i = 0; i < shaped.Length; i++)
        {
            double r = Clip > 0 ? Math.Clamp(rewards[i], -Clip, Clip) : rewards[i];
            shaped[i] = (float)(r - LengthPenalty * responses[i].Length);
        }
        return shaped;
    }
}
