namespace RlhfPlatform.Contracts;

public enum JobState { Idle, Running, Succeeded, Failed, Cancelled }

/// <summary>What every long job inside a grain activation reports while it runs.</summary>
public interface IJobProgress
{
    JobState State { get; }
    int Step { get; }
    int TotalSteps { get; }
    string? Error { get; }
}

/// <summary>Progress of a training job; Checkpoint is set once it succeeded.</summary>
[GenerateSerializer, Alias("rlhf.JobProgress")]
public sealed record JobProgress(JobState State, int Step, int TotalSteps, string? Error, CheckpointRef? Checkpoint) : IJobProgress;

/// <summary>Progress of an evaluation job; Report is set once it succeeded.</summary>
[GenerateSerializer, Alias("rlhf.EvaluationProgress")]
public sealed record EvaluationProgress(JobState State, int Step, int TotalSteps, string? Error, EvaluationReport? Report) : IJobProgress;

/// <summary>What the run is doing now, for progress displays.</summary>
[GenerateSerializer, Alias("rlhf.RunProgress")]
public sealed record RunProgress(string RunId, RunStatus Status, RunStage Stage, int Step, int TotalSteps, string? Error);

/// <summary>
/// Ask a generator for SamplesPerPrompt samples of each prompt from a policy version. The prompts are
/// the step's prompts from index FirstPrompt on (a shard); each sample's seed derives from Seed and its
/// row in the whole step, so shards sample what one generator would.
/// </summary>
[GenerateSerializer, Alias("rlhf.RolloutRequest")]
public sealed record RolloutRequest(int PolicyVersion, int[][] Prompts, int SamplesPerPrompt, int MaxNewTokens, double Temperature, long Seed,
    int FirstPrompt = 0);

/// <summary>
/// Samples, grouped per prompt (SamplesPerPrompt consecutive rows), with the sampling policy's and the
/// reference policy's summed log-probs of each response at the sampling Temperature, and whether each
/// response ended with EOS (false: cut off at the token limit).
/// </summary>
[GenerateSerializer, Alias("rlhf.RolloutBatch")]
public sealed record RolloutBatch(int PolicyVersion, int[][] Prompts, int[][] Responses, float[] LogProbs, float[] RefLogProbs, int SamplesPerPrompt,
    double Temperature, bool[] EndedWithEos);

[GenerateSerializer, Alias("rlhf.PolicyUpdate")]
public sealed record PolicyUpdate(int NewVersion, Dictionary<string, double> Metrics);

/// <summary>Sampled evaluation against the reference (plus the greedy gold reward and win rate).</summary>
[GenerateSerializer, Alias("rlhf.EvaluationReport")]
public sealed record EvaluationReport(
    int PolicyVersion, double GoldReward, double ReferenceGoldReward, double ProxyReward,
    double MeanLength, double ReferenceMeanLength, double WinRate, int Prompts)
{
    /// <summary>Predicted win rate at zero length difference (logistic fit); meaningless when the length distributions do not overlap.</summary>
    [Id(0)] public double LcWinRate { get; init; }
    [Id(1)] public double KlToReference { get; init; }
    [Id(2)] public double GreedyGoldReward { get; init; }
    [Id(3)] public double GreedyWinRate { get; init; }
    /// <summary>Mean response length in characters of the decoded text (MeanLength counts tokens).</summary>
    [Id(4)] public double MeanLengthChars { get; init; }
    [Id(5)] public double ReferenceMeanLengthChars { get; init; }
}

/// <summary>The cluster as GET /api/cluster shows it: every silo in the membership, with what it advertises and hosts.</summary>
[GenerateSerializer, Alias("rlhf.ClusterView")]
public sealed record ClusterView(SiloView[] Silos);

/// <summary>One silo: its address, status (active, joining, dead, ...), advertised device, and the grains of each run it hosts.</summary>
[GenerateSerializer, Alias("rlhf.SiloView")]
public sealed record SiloView(string Address, string Name, string Host, string Status, bool Heavy, string Device, int DeviceCount,
    DateTime StartedAt, RunGrainsView[] Runs);

/// <summary>The grains of one run active on a silo, by grain type (policytrainer, rolloutgenerator, ...) and key.</summary>
[GenerateSerializer, Alias("rlhf.RunGrainsView")]
public sealed record RunGrainsView(string RunId, string[] Grains);
