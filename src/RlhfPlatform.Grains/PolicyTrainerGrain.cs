using TorchSharp;
using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Storage;
using RlhfPlatform.Training;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Sft;
using static TorchSharp.torch;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>
/// Owns the policy being trained: SFT of the starting policy (published as version 0, also the
/// reference), then one RL update (RLOO or PPO) per call, each published as the next version.
/// Optimizer state and PPO's value head live in memory: a resumed run starts them afresh from the
/// last committed policy version.
/// </summary>
[HeavyWork]
public sealed class PolicyTrainerGrain(ComputeQueue compute, CheckpointFiles files, IRunStore runs) : Grain, IPolicyTrainerGrain
{
    const int StepsPerChunk = 10;
    const long SftSeedStream = 10_000_000;
    public const long RlUpdateSeedStream = 20_000_000;
    readonly BackgroundJob<CheckpointRef> sft = new();
    CausalLm? policy;
    int version = -1;
    IPolicyUpdate? rl;
    LoadedPolicy? reference;
    RunSpec? rlSpec;
    Modeling.Tokenization.ITokenizer? tokenizer;
    string? device;

    string RunId => this.GetPrimaryKeyString();

    /// <summary>Where this trainer's policy, critic and reference live (the same device, for the whole activation).</summary>
    string Device => device ??= compute.AssignDevice();

    ModelLoadOptions PolicyLoadOptions(RunSpec spec) => SpecMapping.PolicyLoadOptions(spec) with { Device = Device };

    public Task StartSft(RunSpec spec)
    {
        sft.Start(RunStage.Sft.ToWire(), ct => SftAsync(spec, ct));
        return Task.CompletedTask;
    }

    public Task<JobProgress> GetSftProgress() => Task.FromResult(BackgroundJobProgress.Of(sft));

    public Task CancelSft()
    {
        sft.Cancel();
        return Task.CompletedTask;
    }

    public async Task<int> BeginRl(RunSpec spec, int fromVersion)
    {
        // An update still in flight from a driver that died commits before this call runs (the grain is
        // not reentrant): continue from the newest committed version, never from an older one.
        await files.ReconcileAsync(RunId, [CheckpointKinds.Policy, CheckpointKinds.TrainerState], default);
        var checkpoints = await runs.GetCheckpointsAsync(RunId);
        int committed = checkpoints.Where(c => c.Kind == CheckpointKinds.Policy).Select(c => c.Version).DefaultIfEmpty(0).Max();
        fromVersion = Math.Max(fromVersion, committed);
        // Always from the committed weights: an update cut off before its commit may have changed the ones in memory.
        string folder = await files.FetchAsync(RunId, CheckpointKinds.Policy, fromVersion, default);
        var loaded = await compute.Run(() => ModelCheckpoint.LoadCausalLm(folder, PolicyLoadOptions(spec)));
        ReplacePolicy(loaded, fromVersion);
        DisposeRl();
        tokenizer = await compute.Run(() => SpecMapping.Tokenizer(spec));
        if (spec.Rl.Algorithm == "ppo")
        {
            reference ??= new LoadedPolicy(files, compute, RunId, Device);
            var referenceModel = await reference.GetAsync(0);
            rl = await compute.RunSeeded(spec.Seed, () => new PpoTrainer(policy!, referenceModel, SpecMapping.Ppo(spec, fromVersion)));
        }
        else
        {
            rl = new RlooTrainer(policy!, SpecMapping.Rloo(spec, fromVersion));
        }
        if (rl is IResumableUpdate resumable && fromVersion > 0)
        {
            if (checkpoints.Any(c => c.Kind == CheckpointKinds.TrainerState && c.Version == fromVersion))
            {
                string state = await files.FetchAsync(RunId, CheckpointKinds.TrainerState, fromVersion, default);
                await compute.Run(() => resumable.LoadState(state));
            }
            else
            {
                await runs.AppendEventAsync(RunId, RunMetrics.Event("trainer-state",
                    $"no trainer state was committed with policy version {fromVersion}: the optimizer starts again from zero moments"));
            }
        }
        rlSpec = spec;
        return fromVersion;
    }

    public async Task<PolicyUpdate> Update(RolloutBatch batch, float[] rewards, Dictionary<string, double> rolloutMetrics)
    {
        if (rl == null || policy == null || rlSpec == null) throw new InvalidOperationException("BeginRl must be called before Update");
        if (batch.PolicyVersion != version)
            throw new InvalidOperationException($"rollouts come from policy version {batch.PolicyVersion} but the trainer holds version {version}");
        var rollouts = new Rollouts(batch.Prompts, batch.Responses, batch.LogProbs, batch.RefLogProbs, batch.SamplesPerPrompt,
            batch.Temperature, batch.EndedWithEos);
        var metrics = await compute.RunSeeded(SeedMix.Derive(rlSpec.Seed, RlUpdateSeedStream + version), () => rl.Update(rollouts, rewards));
        int next = version + 1;
        var values = new Dictionary<string, double>(metrics.Values);
        foreach (var (name, value) in rolloutMetrics) values[name] = value;
        await runs.RecordMetricsAsync(RunId, RunMetrics.Points(next, values));
        // Trainer state first: a policy version is only ever committed with its trainer state already there,
        // so a resume from any committed version continues exactly. A crash between the two leaves a
        // trainer state one version ahead; the step is redone and its identical state adopted.
        if (rl is IResumableUpdate resumable)
            await files.PublishFolderAsync(compute, RunId, CheckpointKinds.TrainerState, next, resumable.SaveState, default);
        await files.PublishAsync(compute, RunId, CheckpointKinds.Policy, next, policy, policy.Config, tokenizer!, default);
        version = next;
        return new PolicyUpdate(next, values);
    }

    /// <summary>
    /// Version 0: the base model (policy.base) or a fresh policy.model, fine-tuned on the demonstrations
    /// unless policy.sft.steps is 0 (then the base as it is).
    /// </summary>
    async Task<CheckpointRef> SftAsync(RunSpec spec, CancellationToken ct)
    {
        using var environment = await compute.Run(() => RunEnvironment.Create(spec), ct);
        var config = await compute.Run(() => SpecMapping.PolicyConfig(spec, environment.Tokenizer), ct);
        var model = await compute.Run(() =>
        {
            if (spec.Policy.Base is { } folder) return ModelCheckpoint.LoadCausalLm(folder, PolicyLoadOptions(spec));
            manual_seed(spec.Seed);
            return ModelPrecision.Cast(new CausalLm(config), SpecMapping.PolicyLoadOptions(spec).Dtype).to(new Device(Device));
        }, ct);
        ReplacePolicy(model, -1);
        string start = spec.Policy.Base is { } baseFolder ? $"base model {baseFolder}" : "a policy trained from scratch";
        if (spec.Policy.Sft.Steps == 0)
        {
            await runs.AppendEventAsync(RunId, RunMetrics.Event("sft", $"no SFT (policy.sft.steps 0): policy version 0 is {start} as it is"), ct);
        }
        else
        {
            var demos = await compute.Run(() => RunData.Demonstrations(spec, environment), ct);
            await runs.AppendEventAsync(RunId, RunMetrics.Event("sft", $"SFT of {start} on {demos.Count} demonstrations"), ct);
            using var trainer = new SftTrainer(model, demos, SpecMapping.Sft(spec), spec.Seed);
            while (!trainer.IsDone)
            {
                var steps = await StageException.InAsync(() => $"{RunStage.Sft.ToWire()} step {trainer.StepsDone + 1}",
                    () => compute.RunSeeded(SeedMix.Derive(spec.Seed, SftSeedStream + trainer.StepsDone), () => { FaultPoints.Hang($"sft-chunk:{trainer.StepsDone}"); return trainer.Steps(StepsPerChunk); }, ct));
                await runs.RecordMetricsAsync(RunId, RunMetrics.Points(steps), ct);
                sft.Report(trainer.StepsDone, spec.Policy.Sft.Steps);
            }
        }
        var checkpoint = await files.PublishAsync(compute, RunId, CheckpointKinds.Policy, 0, model, model.Config, environment.Tokenizer, ct);
        version = 0;
        return checkpoint;
    }

    void DisposeRl()
    {
        (rl as IDisposable)?.Dispose();
        rl = null;
    }

    void ReplacePolicy(CausalLm model, int modelVersion)
    {
        DisposeRl();
        policy?.Dispose();
        policy = model;
        version = modelVersion;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        DisposeRl();
        reference?.Dispose();
        policy?.Dispose();
        return Task.CompletedTask;
    }
}
