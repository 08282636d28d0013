using System.Diagnostics;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training;
using RlhfPlatform.Training.Environments;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Bench;

/// <summary>
/// RunStages' RL step without grains or stores: one in-memory policy sampling, scored, judged and
/// updated by direct calls, seeded as PolicyTrainerGrain and RunStages seed a run, so step for step it
/// computes what the run does. Each step's phases are timed under the driver's span names.
/// </summary>
public sealed class DirectLoop : IDisposable
{
    readonly RunSpec spec;
    readonly ITaskEnvironment environment;
    readonly IRewardSource judge;
    readonly CausalLm policy, reference;
    readonly TrainedRewardModel rewardModel;
    readonly RlooTrainer trainer;
    readonly GenerationOptions generation;

    DirectLoop(RunSpec spec, string policyFolder, string rewardFolder)
    {
        this.spec = spec;
        environment = RunEnvironment.Create(spec);
        judge = environment.Judge;
        policy = ModelCheckpoint.LoadCausalLm(policyFolder);
        reference = ModelCheckpoint.LoadCausalLm(policyFolder);
        reference.eval();
        rewardModel = RewardModelFolder.Load(rewardFolder);
        trainer = new RlooTrainer(policy, SpecMapping.Rloo(spec));
        generation = new GenerationOptions { MaxNewTokens = spec.Rl.MaxNewTokens, Temperature = spec.Rl.Temperature };
    }

    /// <summary>From a run's committed SFT policy (version 0) and reward model folders.</summary>
    public static DirectLoop Load(RunSpec spec, string policyFolder, string rewardFolder) => new(spec, policyFolder, rewardFolder);

    /// <summary>
    /// Steps 1 to <paramref name="steps"/>: the KL of each, and steps 2 on timed (in the run the first loads
    /// the models: not timed there either). One job: the compute worker is busy for all of a step.
    /// </summary>
    public (double[] Kl, StepBreakdown Timed) Run(int steps)
    {
        var results = Enumerable.Range(1, steps).Select(Step).ToArray();
        var timed = results.Skip(1).Select(r => r.PhaseMs).ToArray();
        return (results.Select(r => r.Kl).ToArray(), new StepBreakdown(
            [.. timed.Select(p => new PhaseTime(p.Values.Sum(), p.Values.Sum()))],
            PlatformTracing.RlPhases.ToDictionary(name => name, name => timed.Select(p => new PhaseTime(p[name], p[name])).ToArray())));
    }

    /// <summary>RL step <paramref name="step"/> (1-based, in order): its KL and each phase's milliseconds.</summary>
    (double Kl, Dictionary<string, double> PhaseMs) Step(int step)
    {
        var phases = new Dictionary<string, double>();
        T Timed<T>(string phase, Func<T> work)
        {
            long started = Stopwatch.GetTimestamp();
            var result = work();
            phases[phase] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return result;
        }
        int version = step - 1;
        policy.eval();
        var rollouts = Timed(PlatformTracing.Rollouts, () => RolloutMaker.Make(policy, reference,
            environment.TrainPrompts(spec.Rl.PromptsPerStep, spec.Seed, step), spec.Rl.SamplesPerPrompt, generation, SeedMix.Derive(spec.Seed, 1_000_000 + step)));
        float[] rewards = Timed(PlatformTracing.Scoring, () => rewardModel.Score(rollouts.Prompts, rollouts.Responses));
        Timed(PlatformTracing.GoldJudging, () => judge.ScoreInFullPrecision(rollouts.Prompts, rollouts.Responses));
        double kl = Timed(PlatformTracing.Update, () =>
        {
            manual_seed(SeedMix.Derive(spec.Seed, PolicyTrainerGrain.RlUpdateSeedStream + version));
            return trainer.Update(rollouts, rewards).Values["rl/kl"];
        });
        return (kl, phases);
    }

    public void Dispose()
    {
        trainer.Dispose();
        rewardModel.Dispose();
        reference.Dispose();
        policy.Dispose();
        environment.Dispose();
    }
}
