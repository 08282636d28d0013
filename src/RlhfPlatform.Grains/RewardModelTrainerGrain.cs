using TorchSharp;
using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Storage;
using RlhfPlatform.Training;
using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>
/// Trains one reward model with the spec's objective as a background job and commits it as
/// checkpoint version 1 of kind rm-{name}. An ensemble is one checkpoint too: its K members are
/// trained one after another (each with its own seed) and committed together, in member-k folders
/// (see <see cref="RewardModelFolder"/>), so scorers never see a partial ensemble.
/// </summary>
[HeavyWork]
public sealed class RewardModelTrainerGrain(ComputeQueue compute, CheckpointFiles files, IRunStore runs) : Grain, IRewardModelTrainerGrain
{
    const int StepsPerChunk = 10;
    const long SeedStream = 30_000_000;
    const long LoraSeedStream = 50_000_000;

    /// <summary>Inside a reward-model checkpoint (or each member's folder): the PEFT adapter it was trained as, before merging.</summary>
    public const string AdapterFolder = "adapter";
    readonly BackgroundJob<CheckpointRef> job = new();

    public Task Start(RunSpec spec)
    {
        job.Start(Stage(spec), ct => TrainAsync(spec, ct));
        return Task.CompletedTask;
    }

    public Task<JobProgress> GetProgress() => Task.FromResult(BackgroundJobProgress.Of(job));

    public Task Cancel()
    {
        job.Cancel();
        return Task.CompletedTask;
    }

    static string Stage(RunSpec spec) => $"{RunStage.RewardModel.ToWire()} {spec.RewardModel.Name}";

    async Task<CheckpointRef> TrainAsync(RunSpec spec, CancellationToken ct)
    {
        string runId = GrainKeys.RunOf(this.GetPrimaryKeyString());
        var objective = SpecMapping.Objective(spec);
        string head = SpecMapping.RewardHead(spec);
        var options = SpecMapping.RewardModel(spec);
        int memberCount = objective.Traits.Members;
        using var environment = await compute.Run(() => RunEnvironment.Create(spec), ct);
        var config = SpecMapping.RewardModelConfig(spec, environment.Tokenizer);
        var (pairs, source) = await compute.Run(() => RunData.TrainingPairs(spec, environment), ct);
        var evalSets = await compute.Run(() => RunData.EvalSets(spec, environment), ct);
        string init = spec.RewardModel.Base is { } rmBase ? $"base {rmBase}" : $"init {spec.RewardModel.Init}";
        await runs.AppendEventAsync(runId, RunMetrics.Event("reward-model",
            $"training reward model '{spec.RewardModel.Name}' ({objective.Name}, {head} head, {init}" +
            (memberCount > 1 ? $", {memberCount} members" : "") + $") on {source}"), ct);

        string? baseFolder = spec.RewardModel.Base
            ?? (spec.RewardModel.Init == "sft" ? await files.FetchAsync(runId, CheckpointKinds.Policy, 0, ct) : null);
        string device = compute.AssignDevice();
        var members = new List<RewardModel>();
        int lastStep = 0;
        try
        {
            for (int k = 0; k < memberCount; k++)
            {
                int seed = RewardModelTraining.MemberSeed(spec.Seed, k);
                var model = await compute.Run(() => ModelPrecision.Cast(baseFolder == null
                    ? RewardModelBase.Fresh(config, head, seed)
                    : RewardModelBase.FromFolder(baseFolder, head, seed), SpecMapping.RewardModelLoadOptions(spec).Dtype).to(new TorchSharp.torch.Device(device)), ct);
                members.Add(model);
                model.Backbone.GradientCheckpointing = spec.RewardModel.GradientCheckpointing;
                if (SpecMapping.Lora(spec.RewardModel.Lora) is { } lora)
                    await compute.Run(() => LoraModel.Attach(model, lora, SeedMix.Derive(seed, LoraSeedStream)), ct);
                using var trainer = await compute.Run(() => new RewardModelTrainer(model, objective, pairs, options, seed), ct);
                string prefix = memberCount > 1 ? $"rm/member{k}/" : "rm/";
                string member = memberCount > 1 ? $" member {k}" : "";
                while (!trainer.IsDone)
                {
                    // Each chunk reseeds torch's global RNG (dropout), so interleaved runs stay reproducible.
                    long chunkSeed = SeedMix.Derive(seed, SeedStream + trainer.StepsDone);
                    var steps = await StageException.InAsync(() => $"{Stage(spec)}{member} step {trainer.StepsDone + 1}",
                        () => compute.RunSeeded(chunkSeed, () => trainer.Steps(StepsPerChunk), ct));
                    await runs.RecordMetricsAsync(runId, steps.SelectMany(s => s.Values.Select(v =>
                        new MetricPoint(v.Key.StartsWith("rm/", StringComparison.Ordinal) ? prefix + v.Key[3..] : v.Key, s.Step, v.Value))).ToArray(), ct);
                    job.Report(k * trainer.TotalSteps + trainer.StepsDone, memberCount * trainer.TotalSteps);
                    lastStep = trainer.StepsDone;
                }
            }
            var trained = new TrainedRewardModel(members, environment.Tokenizer,
                objective is Training.Objectives.Ensemble ensemble ? ensemble.Aggregate : Training.Objectives.EnsembleAggregate.Mean);
            var heldOutPairs = await compute.Run(() => RunData.HeldOutPairs(spec, environment), ct);
            if (heldOutPairs != null)
            {
                var heldOut = await StageException.InAsync($"{Stage(spec)} held-out evaluation", () => compute.Run(() =>
                    RewardModelEvaluation.Evaluate(trained, new PreferenceEvalSet("heldout", heldOutPairs, [], new Training.Data.DataLoadReport())), ct));
                await runs.RecordMetricsAsync(runId, HeldOutMetrics(heldOut, lastStep), ct);
            }
            foreach (var set in evalSets)
            {
                var report = await StageException.InAsync($"{Stage(spec)} evaluation on {set.Name}", () => compute.Run(() =>
                    RewardModelEvaluation.Evaluate(trained, set), ct));
                await runs.RecordMetricsAsync(runId, EvalSetMetrics(report, lastStep), ct);
            }
            return await files.PublishFolderAsync(compute, runId, CheckpointKinds.RewardModel(spec.RewardModel.Name), 1,
                folder => SaveMerged(trained, folder, baseFolder is null ? null : RewardBase(spec, runId)), ct);
        }
        finally
        {
            foreach (var member in members) member.Dispose();
        }
    }

    /// <summary>
    /// The scorers' folder: merged weights (a plain reward model, loaded as any other). A LoRA-trained
    /// model also keeps its adapter in PEFT layout under adapter/, naming its base.
    /// </summary>
    static void SaveMerged(TrainedRewardModel trained, string folder, string? baseName)
    {
        for (int k = 0; k < trained.Members.Count; k++)
        {
            var member = trained.Members[k];
            if (!LoraModel.HasAdapters(member)) continue;
            string memberFolder = trained.IsEnsemble ? RewardModelFolder.MemberFolder(folder, k) : folder;
            PeftAdapter.Save(member, Path.Combine(memberFolder, AdapterFolder), baseName);
            LoraModel.Merge(member);
        }
        RewardModelFolder.Save(trained, folder);
    }

    /// <summary>What a reward-model adapter names as its base: rewardModel.base, or this run's SFT policy.</summary>
    static string RewardBase(RunSpec spec, string runId) => spec.RewardModel.Base ?? PolicyTrainerGrain.AdapterBase(runId);

    /// <summary>rewardModel.evalData set {name}: rm/eval/{name}/accuracy (and reward calibration, Kendall τ), as `rlhf rm eval` reports them.</summary>
    static MetricPoint[] EvalSetMetrics(RewardEvalReport report, int step)
    {
        string prefix = $"rm/eval/{report.Name}/";
        var points = new List<MetricPoint>
        {
            new(prefix + "accuracy", step, report.Accuracy),
            new(prefix + "pairs", step, report.Pairs),
            new(prefix + "reward_mean", step, report.RewardMean),
            new(prefix + "reward_std", step, report.RewardStd),
        };
        if (report.KendallTau is { } tau) points.Add(new(prefix + "kendall_tau", step, tau));
        return points.ToArray();
    }

    static MetricPoint[] HeldOutMetrics(RewardEvalReport report, int step)
    {
        var points = new List<MetricPoint>
        {
            new("rm/heldout_accuracy", step, report.Accuracy),
            new("rm/heldout_reward_mean", step, report.RewardMean),
            new("rm/heldout_reward_std", step, report.RewardStd),
        };
        if (report.Hidden is { } hidden)
        {
            points.Add(new("rm/heldout_hidden_norm_mean", step, hidden.Norm.Mean));
            points.Add(new("rm/heldout_hidden_norm_std", step, hidden.Norm.Std));
            points.Add(new("rm/heldout_hidden_norm_skew", step, hidden.Norm.Skew));
            points.Add(new("rm/heldout_pair_diff_norm_mean", step, hidden.PairDifferenceNorm.Mean));
            points.Add(new("rm/heldout_pair_diff_norm_std", step, hidden.PairDifferenceNorm.Std));
            points.Add(new("rm/heldout_effective_rank", step, hidden.EffectiveRank));
        }
        return points.ToArray();
    }
}
