using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Storage;
using RlhfPlatform.Training;
using RlhfPlatform.Training.RewardModels;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains;

/// <summary>Trains one reward model as a background job and commits it as checkpoint version 1.</summary>
public sealed class RewardModelTrainerGrain(ComputeQueue compute, CheckpointFiles files, IRunStore runs) : Grain, IRewardModelTrainerGrain
{
    const int StepsPerChunk = 10;
    const long SeedStream = 30_000_000;
    readonly BackgroundJob job = new();

    public Task Start(RunSpec spec)
    {
        job.Start(ct => TrainAsync(spec, ct));
        return Task.CompletedTask;
    }

    public Task<JobProgress> GetProgress() => Task.FromResult(job.Progress);

    public Task Cancel()
    {
        job.Cancel();
        return Task.CompletedTask;
    }

    async Task<CheckpointRef> TrainAsync(RunSpec spec, CancellationToken ct)
    {
        string runId = GrainKeys.RunOf(this.GetPrimaryKeyString());
        var config = SpecMapping.RewardModelConfig(spec);
        var (pairs, source) = await compute.Run(() => RunData.TrainingPairs(spec), ct);
        await runs.AppendEventAsync(runId, RunMetrics.Event("reward-model",
            $"training reward model '{spec.RewardModel.Name}' ({spec.RewardModel.Objective}) on {source}"), ct);

        using var model = await compute.Run(() => { manual_seed(spec.Seed); return new RewardModel(config); }, ct);
        using var trainer = new RewardModelTrainer(model, pairs, SpecMapping.RewardModel(spec), spec.Seed);
        while (!trainer.IsDone)
        {
            var steps = await compute.RunSeeded(SeedMix.Derive(spec.Seed, SeedStream + trainer.StepsDone), () => trainer.Steps(StepsPerChunk), ct);
            await runs.RecordMetricsAsync(runId, RunMetrics.Points(steps), ct);
            job.Report(trainer.StepsDone, trainer.TotalSteps);
        }
        double heldOut = await compute.Run(() => RewardScoring.Accuracy(model, RunData.HeldOutPairs(spec)), ct);
        await runs.RecordMetricsAsync(runId, [new MetricPoint("rm/heldout_accuracy", trainer.StepsDone, heldOut)], ct);
        return await files.PublishAsync(compute, runId, CheckpointKinds.RewardModel(spec.RewardModel.Name), 1,
            model, config, SpecMapping.Tokenizer, ct);
    }

}
