using System.Diagnostics;

namespace RlhfPlatform.Grains;

/// <summary>
/// The platform's trace spans (System.Diagnostics activities, so OpenTelemetry can export them): an RL
/// step and its phases from the driver, and each job a silo's compute worker runs. Nothing is recorded
/// unless a listener is attached (`rlhf bench loop` attaches one to split a step's time).
/// </summary>
public static class PlatformTracing
{
    public const string SourceName = "RlhfPlatform";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The driver's span of one RL step (tags: rlhf.run, rlhf.step), and of its phases in it.</summary>
    public const string RlStep = "rl.step", Rollouts = "rl.rollouts", Scoring = "rl.scoring", GoldJudging = "rl.gold", Update = "rl.update";

    /// <summary>The grain side of a phase's call (tags as the driver's): the difference is the grain call itself.</summary>
    public const string GeneratorGenerate = "generator.generate", ScorerScore = "scorer.score", TrainerUpdate = "trainer.update";

    /// <summary>The grain side of each phase that is a grain call.</summary>
    public static readonly IReadOnlyDictionary<string, string> GrainSideOf = new Dictionary<string, string>
    {
        [Rollouts] = GeneratorGenerate, [Scoring] = ScorerScore, [Update] = TrainerUpdate,
    };

    /// <summary>An RL step's phases, in order.</summary>
    public static readonly IReadOnlyList<string> RlPhases = [Rollouts, Scoring, GoldJudging, Update];

    /// <summary>A job on a compute worker, from when the worker takes it to when it returns (tag compute.queued_ms: its wait before).</summary>
    public const string ComputeJob = "compute.job";

    public static Activity? Start(string name, string runId, int step) =>
        Source.StartActivity(name)?.SetTag("rlhf.run", runId).SetTag("rlhf.step", step);
}
