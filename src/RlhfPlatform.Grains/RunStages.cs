using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Grains;

/// <summary>The stages of one run, in order, each calling the grain of its role. Used by <see cref="RunGrain"/>.</summary>
public sealed class RunStages(
    string runId, RunSpec spec, IRunStore runs, IGrainFactory grains, ComputeQueue compute,
    Func<RunStage, int, int, Task> report, CancellationToken ct, CancellationToken stop, TimeSpan stall)
{
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public async Task RunAsync()
    {
        var checkpoints = await runs.GetCheckpointsAsync(runId, ct);
        string rmKind = CheckpointKinds.RewardModel(spec.RewardModel.Name);

        if (!checkpoints.Any(c => c.Kind == CheckpointKinds.Policy && c.Version == 0))
            await SftAsync();
        var rewardModel = checkpoints.FirstOrDefault(c => c.Kind == rmKind) ?? await RewardModelAsync();
        int finalVersion = await PolicyAsync(rewardModel, checkpoints);
        await EvaluateAsync(rewardModel, finalVersion);
    }

    async Task SftAsync()
    {
        await EnterAsync(RunStage.Sft);
        var trainer = grains.GetGrain<IPolicyTrainerGrain>(runId);
        await trainer.StartSft(spec);
        await WaitAsync(RunStage.Sft, trainer.GetSftProgress, trainer.CancelSft, () => trainer.StartSft(spec));
    }

    async Task<CheckpointRef> RewardModelAsync()
    {
        await EnterAsync(RunStage.RewardModel);
        var trainer = grains.GetGrain<IRewardModelTrainerGrain>(GrainKeys.Join(runId, spec.RewardModel.Name));
        await trainer.Start(spec);
        return (await WaitAsync(RunStage.RewardModel, trainer.GetProgress, trainer.Cancel, () => trainer.Start(spec))).Checkpoint!;
    }

    async Task<int> PolicyAsync(CheckpointRef rewardModel, IReadOnlyList<CheckpointRef> checkpoints)
    {
        await EnterAsync(RunStage.Policy);
        int version = checkpoints.Where(c => c.Kind == CheckpointKinds.Policy).Select(c => c.Version).DefaultIfEmpty(0).Max();
        if (version > 0)
            await runs.AppendEventAsync(runId, RunMetrics.Event("resumed", $"continuing RL from committed policy version {version}"), ct);
        var trainer = grains.GetGrain<IPolicyTrainerGrain>(runId);
        var generators = new RolloutFanOut(grains, runId, spec.Rollout.Generators);
        var scorer = grains.GetGrain<IRewardScorerGrain>(GrainKeys.Join(runId, rewardModel.Kind, rewardModel.Version));
        using var environment = await compute.Run(() => RunEnvironment.Create(spec), ct);
        var judge = await StageException.InAsync($"{RunStage.Policy.ToWire()} loading the {environment.Name} judge", () => compute.Run(() => environment.Judge, ct));
        string stage = $"{RunStage.Policy.ToWire()} {spec.Rl.Algorithm}";
        version = await BeginRlAsync(trainer, stage, version);
        int retries = 0;
        while (version < spec.Rl.Steps)
        {
            ct.ThrowIfCancellationRequested();
            if (stop.IsCancellationRequested)
            {
                // The next driver goes on from here; if the trainer is going away too, it replays from the last checkpoint.
                try { await trainer.Commit(version); }
                catch (Exception e) when (ClusterFaults.IsTransient(e))
                {
                    throw new DriverStoppedException(
                        $"after RL step {version} of {spec.Rl.Steps}, not committed ({ErrorText.Of(e)}): the steps since the last checkpoint are redone");
                }
                throw new DriverStoppedException($"after committed RL step {version} of {spec.Rl.Steps}");
            }
            try
            {
                version = await StepAsync(trainer, generators, scorer, environment, judge, stage, version);
            }
            catch (Exception e) when (ClusterFaults.IsTransient(e) && retries < ClusterFaults.MaxRetries)
            {
                retries++;
                await runs.AppendEventAsync(runId, RunMetrics.Event("retrying",
                    $"step {version + 1}: a silo went away ({ErrorText.Of(e)}); redoing the step from committed state (retry {retries} of {ClusterFaults.MaxRetries})"), ct);
                await Task.Delay(ClusterFaults.RetryDelay, ct);
                int reached = version;
                version = await BeginRlAsync(trainer, stage, version);
                if (version < reached)
                    await runs.AppendEventAsync(runId, RunMetrics.Event("replaying",
                        $"steps {version + 1} to {reached} fell after the last checkpoint (rl.checkpointEvery {spec.Rl.CheckpointEvery}): redoing them from committed policy version {version}, with the same seeds"), ct);
            }
            await report(RunStage.Policy, version, spec.Rl.Steps);
        }
        return version;
    }

    /// <summary>The trainer loads <paramref name="version"/> if it holds it intact, else the newest committed one, and says which.</summary>
    async Task<int> BeginRlAsync(IPolicyTrainerGrain trainer, string stage, int version) =>
        await StageException.InAsync($"{stage} start from policy version {version}", () => trainer.BeginRl(spec, version));

    /// <summary>One RL step from <paramref name="version"/>: rollouts, proxy and gold scores, update; returns the new version.</summary>
    async Task<int> StepAsync(IPolicyTrainerGrain trainer, RolloutFanOut generators, IRewardScorerGrain scorer,
        Training.Environments.ITaskEnvironment environment, Training.Rl.IRewardSource judge, string stage, int version)
    {
        int step = version + 1;
        using var span = PlatformTracing.Start(PlatformTracing.RlStep, runId, step);
        int eos = environment.Tokenizer.EosId;
        var request = new RolloutRequest(version, environment.TrainPrompts(spec.Rl.PromptsPerStep, spec.Seed, step), spec.Rl.SamplesPerPrompt,
            spec.Rl.MaxNewTokens, spec.Rl.Temperature, Training.SeedMix.Derive(spec.Seed, 1_000_000 + step));
        var batch = await Phase(PlatformTracing.Rollouts, $"{stage} step {step} rollout generation", step, () => generators.Generate(request));
        float[] rewards = await Phase(PlatformTracing.Scoring, $"{stage} step {step} scoring", step, () => scorer.Score(batch.Prompts, batch.Responses));
        double[] gold = await Phase(PlatformTracing.GoldJudging, $"{stage} step {step} gold judging", step,
            () => compute.RunInference(() => judge.ScoreInFullPrecision(batch.Prompts, batch.Responses), ct));
        var rolloutMetrics = new Dictionary<string, double>
        {
            ["rl/gold_reward"] = gold.Average(),
            ["rl/length"] = batch.Responses.Average(r => environment.Tokenizer.Decode(r).Length),
            ["rl/length_tokens"] = batch.Responses.Average(r => r.Count(t => t != eos)),
        };
        var update = await Phase(PlatformTracing.Update, $"{stage} step {step} update", step, () => trainer.Update(batch, rewards, rolloutMetrics));
        return update.NewVersion;
    }

    async Task<T> Phase<T>(string span, string what, int step, Func<Task<T>> call)
    {
        using var phase = PlatformTracing.Start(span, runId, step);
        return await StageException.InAsync(what, call);
    }

    async Task EvaluateAsync(CheckpointRef rewardModel, int finalVersion)
    {
        await EnterAsync(RunStage.Evaluation);
        var evaluator = grains.GetGrain<IEvaluatorGrain>(runId);
        await evaluator.Start(spec, finalVersion, 0, rewardModel);
        var report = (await WaitAsync(RunStage.Evaluation, evaluator.GetProgress, evaluator.Cancel,
            () => evaluator.Start(spec, finalVersion, 0, rewardModel))).Report!;
        await runs.SaveResultsAsync(runId, [
            new RunResult("gold_reward_before", report.ReferenceGoldReward),
            new RunResult("gold_reward_after", report.GoldReward),
            new RunResult("length_before", report.ReferenceMeanLength),
            new RunResult("length_after", report.MeanLength),
            new RunResult("win_rate", report.WinRate),
            new RunResult("proxy_reward_after", report.ProxyReward),
            new RunResult("policy_version", report.PolicyVersion),
            new RunResult("lc_win_rate", report.LcWinRate),
            new RunResult("kl", report.KlToReference),
            new RunResult("greedy_gold_reward_after", report.GreedyGoldReward),
            new RunResult("greedy_win_rate", report.GreedyWinRate),
            new RunResult("length_chars_before", report.ReferenceMeanLengthChars),
            new RunResult("length_chars_after", report.MeanLengthChars),
        ], ct);
        await ReportOverOptimizationAsync();
        ct.ThrowIfCancellationRequested();
        if (await runs.UpdateRunAsync(runId, RunStatus.Completed, RunStage.Done, null, ct))
            await runs.AppendEventAsync(runId, RunMetrics.Event("completed",
                $"gold {report.ReferenceGoldReward:F3} → {report.GoldReward:F3}, length {report.ReferenceMeanLength:F1} → {report.MeanLength:F1}, win rate {report.WinRate:P1}"), ct);
    }

    /// <summary>
    /// Did the proxy keep rising while gold fell during RL? Judged on the per-step rollout curves
    /// (smoothed over OverOptimization.RlWindow = 9 steps): gold must fall by at least
    /// OverOptimization.MinGoldDrop = 0.1 past its peak while the proxy still rises.
    /// </summary>
    async Task ReportOverOptimizationAsync()
    {
        var metrics = await runs.GetMetricsAsync(runId, null, ct);
        var proxy = metrics.Where(m => m.Name == "rl/proxy_reward").ToDictionary(m => m.Step, m => m.Value);
        var curve = metrics.Where(m => m.Name == "rl/gold_reward" && proxy.ContainsKey(m.Step))
            .Select(m => new Training.Evaluation.CurvePoint(m.Step, proxy[m.Step], m.Value)).ToList();
        if (curve.Count < 2) return;
        var verdict = Training.Evaluation.OverOptimization.Detect(curve, Training.Evaluation.OverOptimization.MinGoldDrop, minProxyRise: 0.0,
            Training.Evaluation.OverOptimization.RlWindow);
        await runs.SaveResultsAsync(runId, [
            new RunResult("overoptimized", verdict.OverOptimized ? 1 : 0),
            new RunResult("gold_peak_step", verdict.PeakX),
            new RunResult("gold_drop_after_peak", verdict.GoldDrop),
        ], ct);
        await runs.AppendEventAsync(runId, RunMetrics.Event("over-optimization",
            (verdict.OverOptimized ? "over-optimized: " : "not over-optimized: ") + verdict.Explanation), ct);
    }

    async Task EnterAsync(RunStage stage)
    {
        ct.ThrowIfCancellationRequested();
        if (stop.IsCancellationRequested) throw new DriverStoppedException($"before stage {stage.ToWire()}");
        if (!await runs.UpdateRunAsync(runId, RunStatus.Running, stage, null, ct))
            throw new OperationCanceledException("the run ended while it was running", ct);
        await runs.AppendEventAsync(runId, RunMetrics.Event("stage", $"entered stage {stage.ToWire()}"), ct);
        await report(stage, 0, 0);
    }

    /// <summary>
    /// Polls a job until it ends; returns its last progress (holding the job's result) if it succeeded.
    /// A job found idle lost its activation (its silo went away): it is started again, as is a poll that
    /// hit a silo going away, up to <see cref="ClusterFaults.MaxRetries"/> times.
    /// </summary>
    async Task<TProgress> WaitAsync<TProgress>(RunStage stage, Func<Task<TProgress>> poll, Func<Task> cancel, Func<Task> restart) where TProgress : IJobProgress
    {
        int restarts = 0;
        var lastStep = (Step: -1, At: DateTime.UtcNow);
        while (true)
        {
            if (ct.IsCancellationRequested)
            {
                await cancel();
                ct.ThrowIfCancellationRequested();
            }
            // The job runs in its own grain: the next driver polls it (or starts it again if it was lost).
            if (stop.IsCancellationRequested) throw new DriverStoppedException($"while its {stage.ToWire()} job runs");
            TProgress progress;
            try
            {
                progress = await poll();
            }
            catch (Exception e) when (ClusterFaults.IsTransient(e) && restarts < ClusterFaults.MaxRetries)
            {
                restarts++;
                await Task.Delay(ClusterFaults.RetryDelay, ct);
                continue;
            }
            await report(stage, progress.Step, progress.TotalSteps);
            if (progress.Step != lastStep.Step || progress.State != JobState.Running) lastStep = (progress.Step, DateTime.UtcNow);
            else if (DateTime.UtcNow - lastStep.At > stall)
            {
                await cancel();
                throw new StageException(stage.ToWire(),
                    $"{stage.ToWire()}: no progress for {stall.TotalSeconds:0} s (stuck at step {progress.Step}{(progress.TotalSteps > 0 ? $" of {progress.TotalSteps}" : "")}; Rlhf:Runs:StallSeconds)");
            }
            switch (progress.State)
            {
                case JobState.Succeeded: return progress;
                case JobState.Failed: throw new StageException(stage.ToWire(), progress.Error ?? $"{stage.ToWire()}: failed without an error");
                case JobState.Cancelled: throw new OperationCanceledException($"{stage.ToWire()} was cancelled");
                case JobState.Idle when restarts < ClusterFaults.MaxRetries:
                    restarts++;
                    await runs.AppendEventAsync(runId, RunMetrics.Event("restarted", $"{stage.ToWire()}: its job was lost with its silo; started again"), ct);
                    await restart();
                    break;
                case JobState.Idle: throw new InvalidOperationException($"{stage.ToWire()} job lost its activation {restarts} times; giving up");
            }
            await Task.Delay(PollInterval, ct);
        }
    }
}
