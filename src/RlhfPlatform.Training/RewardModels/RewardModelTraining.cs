using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Objectives;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>How to build a reward model for training: the objective, trainer options, head and seed, and where the weights start.</summary>
/// <param name="CreateModel">(head, seed) → a new model: <see cref="RewardModelBase.Fresh"/> or <see cref="RewardModelBase.FromFolder"/></param>
public sealed record RewardTrainingSetup(IRewardObjective Objective, RewardModelOptions Options, string? Head, int Seed,
    Func<string, int, RewardModel> CreateModel)
{
    public string HeadKind => Head ?? Objective.Traits.DefaultHead;
}

/// <summary>
/// Trains a whole reward model the objective describes: one model, or an ensemble's K members one
/// after another (member k uses <see cref="MemberSeed"/>). With a state folder, each member's trainer
/// checkpoint is saved every N steps and at its end, and an interrupted training resumes from it.
/// </summary>
public static class RewardModelTraining
{
    /// <summary>Member 0 uses the seed itself (so it is the `bt` model of that seed); others derive theirs.</summary>
    public static int MemberSeed(int seed, int member) => member == 0 ? seed : SeedMix.Derive(seed, 7000 + member);

    public static TrainedRewardModel Train(RewardTrainingSetup setup, ITokenizer tokenizer, IReadOnlyList<TokenizedPair> pairs,
        IReadOnlyList<PairEvalSet> evalSets, Action<int, RewardModelTrainer, TrainingStepMetrics>? onStep = null,
        string? stateFolder = null, int saveEvery = 0, CancellationToken ct = default)
    {
        var objective = setup.Objective;
        var members = new List<RewardModel>();
        try
        {
            for (int k = 0; k < objective.Traits.Members; k++)
            {
                int seed = MemberSeed(setup.Seed, k);
                var model = setup.CreateModel(setup.HeadKind, seed);
                members.Add(model);
                using var trainer = new RewardModelTrainer(model, objective, pairs, setup.Options, seed, evalSets);
                string? memberState = stateFolder == null ? null : Path.Combine(stateFolder, $"member-{k}");
                if (memberState != null && TrainerCheckpoint.Exists(memberState)) TrainerCheckpoint.Restore(trainer, memberState);
                while (!trainer.IsDone)
                {
                    ct.ThrowIfCancellationRequested();
                    var metrics = trainer.Step();
                    onStep?.Invoke(k, trainer, metrics);
                    if (memberState != null && (trainer.IsDone || (saveEvery > 0 && trainer.StepsDone % saveEvery == 0)))
                        TrainerCheckpoint.Save(trainer, memberState);
                }
            }
            string aggregate = objective is Ensemble ensemble ? ensemble.Aggregate : EnsembleAggregate.Mean;
            return new TrainedRewardModel(members, tokenizer, aggregate);
        }
        catch
        {
            foreach (var member in members) member.Dispose();
            throw;
        }
    }
}
