namespace RlhfPlatform.Training.Rl;

/// <summary>
/// Where a scalar reward per (prompt, response) comes from: a reward model, an ensemble, a gold
/// function, or (in the platform) a scorer grain. Prompts start with BOS; responses are the sampled
/// tokens (ending with EOS when one was sampled).
/// </summary>
public interface IRewardSource
{
    float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses);

    /// <summary>The scores at the precision the source computes them in (a gold function: double).</summary>
    double[] ScoreInFullPrecision(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) =>
        Score(prompts, responses).Select(s => (double)s).ToArray();
}
