using System.Diagnostics;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Sft;
using RlhfPlatform.Training.Synthetic;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RlhfPlatform.NativeSafety.Tests;

/// <summary>
/// The whole compute path under <see cref="GcStress"/>: SFT, every reward objective, scoring and
/// reward-model evaluation, RLOO and PPO (generation with the KV cache, log-probs, updates), and
/// policy evaluation with its Best-of-N curve, on a tiny model of the synthetic length task. With
/// TorchSharp's temporary Scalars this dies within seconds (the issue that made this test measured
/// it); the rule kept, it must run to the end.
/// </summary>
public class GcStressTests(ITestOutputHelper output)
{
    static readonly ByteTokenizer Tokenizer = new();
    static readonly LengthTask Task = new(targetLength: 8);
    static readonly ModelConfig Config =
        ModelConfig.Small(Tokenizer.VocabSize, 32, 1, 2, 40, Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId);
    static readonly GenerationOptions Sampling = new() { MaxNewTokens = 12 };

    [Fact]
    public void EveryStageRunsToTheEndWhileTheGcFinalizesEverythingItCan()
    {
        var clock = Stopwatch.StartNew();
        int steps = 0;
        using var stress = new GcStress();

        manual_seed(1);
        using var sft = new CausalLm(Config);
        var demonstrations = Task.Demonstrations(400, seed: 1).Select(d => Tokenize.Demonstration(Tokenizer, d)).ToArray();
        using (var trainer = new SftTrainer(sft, demonstrations, new SftOptions(Steps: 80, BatchSize: 16, LearningRate: 3e-3), seed: 1))
            while (!trainer.IsDone) { trainer.Step(); steps++; }
        Log("sft", steps, clock, stress);

        var pairs = Task.PreferencePairs(160, labelNoise: 0.25, seed: 1).Pairs.Select(p => Tokenize.Pair(Tokenizer, p)).ToArray();
        var heldOut = Task.PreferencePairs(48, labelNoise: 0, seed: 2).Pairs.Select(p => Tokenize.Pair(Tokenizer, p)).ToArray();
        TrainedRewardModel? proxy = null;
        foreach (string method in RewardObjectives.Methods)
        {
            var objective = RewardObjectives.Create(new RewardObjectiveOptions { Method = method, Margin = 0.5, EnsembleMembers = 2 });
            var options = new RewardModelOptions { MaxSteps = 15, BatchSize = 16, LearningRate = 2e-3, EvalEvery = 5 };
            var setup = new RewardTrainingSetup(objective, options, null, 1, (head, seed) => FromPolicy(sft, head, seed));
            var trained = RewardModelTraining.Train(setup, Tokenizer, pairs, [new PairEvalSet("id", heldOut)], onStep: (_, _, _) => steps++);
            var scores = trained.Score(heldOut.Select(p => p.Prompt).ToArray(), heldOut.Select(p => p.Chosen).ToArray());
            Assert.All(scores, s => Assert.True(float.IsFinite(s), $"{method} gave a non-finite score"));
            var report = RewardModelEvaluation.Evaluate(trained, new PreferenceEvalSet("id", heldOut, [], new DataLoadReport()));
            Assert.InRange(report.Accuracy, 0.0, 1.0);
            if (method == BradleyTerry.MethodName) proxy = trained;
            else trained.Dispose();
        }
        Log("reward models", steps, clock, stress);

        using var rewardModel = proxy!;
        var prompts = Task.Prompts(64, seed: 1, "train").Select(p => Tokenize.Prompt(Tokenizer, p)).ToArray();
        using (var policy = Copy(sft))
        using (var rloo = new RlooTrainer(policy, new RlooOptions { LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Seed = 1 }))
            for (int step = 0; step < 40; step++, steps++)
                RlStep.Run(policy, sft, rloo, rewardModel, null, prompts.Skip(step % 8 * 8).Take(8).ToArray(), 4, Sampling, seed: step);
        Log("rloo", steps, clock, stress);

        using var ppoPolicy = Copy(sft);
        using (var ppo = new PpoTrainer(ppoPolicy, sft, new PpoOptions
               {
                   LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Critic = CriticKind.Separate, RewardNormalization = RewardNormalization.Running,
                   KlTarget = 1.0, Seed = 1,
               }))
            for (int step = 0; step < 40; step++, steps++)
                RlStep.Run(ppoPolicy, sft, ppo, rewardModel, null, prompts.Skip(step % 8 * 8).Take(8).ToArray(), 4, Sampling, seed: step);
        Log("ppo", steps, clock, stress);

        var gold = new TextRewardSource(Tokenizer, Task.GoldReward);
        var evalPrompts = Task.Prompts(16, seed: 1, "eval").Select(p => Tokenize.Prompt(Tokenizer, p)).ToArray();
        foreach (bool greedy in new[] { false, true })
        {
            var evaluation = PolicyEvaluator.Evaluate(ppoPolicy, sft, evalPrompts, gold, rewardModel,
                new EvaluationOptions { Generation = Sampling, Greedy = greedy, Seed = 3 });
            Assert.True(double.IsFinite(evaluation.GoldReward) && double.IsFinite(evaluation.KlToReference));
            steps++;
        }
        var bestOfN = BestOfN.Run(sft, evalPrompts.Take(4).ToArray(), 16, Sampling, rewardModel, gold, seed: 4);
        Assert.Equal(16, bestOfN.Curve.Count);
        steps++;
        Log("evaluation", steps, clock, stress);

        Assert.True(steps >= 300, $"the workload ran {steps} steps; it is meant to run a few hundred");
        Assert.True(stress.Collections >= 100, $"only {stress.Collections} forced collections ran beside the workload: the stress did not happen");
    }

    static RewardModel FromPolicy(CausalLm policy, string head, int seed)
    {
        var model = RewardModelBase.Fresh(Config, head, seed);
        model.Backbone.load_state_dict(policy.Backbone.state_dict());
        return model;
    }

    static CausalLm Copy(CausalLm source)
    {
        var copy = new CausalLm(Config);
        copy.load_state_dict(source.state_dict());
        return copy;
    }

    void Log(string stage, int steps, Stopwatch clock, GcStress stress) =>
        output.WriteLine($"{stage}: {steps} steps so far, {clock.Elapsed.TotalSeconds:F1} s, {stress.Collections} forced collections");
}
