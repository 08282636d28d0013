using TorchSharp;
using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Storage;
using RlhfPlatform.Training;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Sft;
using static TorchSharp.torch;
using RlhfPlatform.Grains.Placement;
using Microsoft.Extensions.Logging;

namespace RlhfPlatform.Grains;

/// <summary>
/// Owns the policy being trained: SFT of the starting policy (published as version 0, also the
/// reference), then one RL update (RLOO or PPO) per call. Every rl.checkpointEvery steps, and at the
/// last, the new version is committed with its trainer state (optimizer moments, PPO's critic and
/// controllers) committed first; between checkpoints it is lent to the run's generators on this silo
/// (<see cref="PolicyHandOff"/>), or committed when a generator elsewhere asks for it.
/// With policy.lora, SFT trains adapters and merges them (version 0 is a plain HF folder); RL trains
/// fresh adapters on version 0, each later version is a PEFT adapter folder on that base, and the
/// reference is the same weights with the adapters off.
/// </summary>
[HeavyWork]
public sealed class PolicyTrainerGrain(ComputeQueue compute, CheckpointFiles files, IRunStore runs, PolicyHandOff handOff,
    ILogger<PolicyTrainerGrain> logger) : Grain, IPolicyTrainerGrain
{
    const int StepsPerChunk = 10;
    const long SftSeedStream = 10_000_000;
    const long LoraSeedStream = 40_000_000;
    public const long RlUpdateSeedStream = 20_000_000;
    readonly BackgroundJob<CheckpointRef> sft = new();
    CausalLm? policy;
    int version = -1;
    /// <summary>The held weights are exactly <see cref="version"/>'s: no update was cut off half-way since.</summary>
    bool intact;
    int committedVersion = -1;
    /// <summary>
    /// The last step's writes to the stores (its metrics, then its checkpoint if it has one), which run
    /// beside the next update's compute: each waits for the one before, so they land in step order.
    /// </summary>
    Task recording = Task.CompletedTask;
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
        // The version the driver last got, still held intact (a generator's silo went away, say): commit it
        // and go on from there rather than replay the steps since the last checkpoint.
        if (rl != null && intact && version == fromVersion) await CommitHeldAsync();
        else await SettleRecordingAsync();
        // An update still in flight from a driver that died commits before this call runs (the grain is
        // not reentrant): continue from the newest committed version.
        await files.ReconcileAsync(RunId, [CheckpointKinds.Policy, CheckpointKinds.TrainerState], default);
        var checkpoints = await runs.GetCheckpointsAsync(RunId);
        fromVersion = checkpoints.Where(c => c.Kind == CheckpointKinds.Policy).Select(c => c.Version).DefaultIfEmpty(0).Max();
        // Always from the committed weights: an update cut off before its commit may have changed the ones in memory.
        string folder = await files.FetchAsync(RunId, CheckpointKinds.Policy, fromVersion, default);
        bool adapter = AdapterCheckpoint.KindOf(folder) == ModelFolderKind.PeftAdapter;
        string modelFolder = adapter ? await files.FetchAsync(RunId, CheckpointKinds.Policy, 0, default) : folder;
        var lora = SpecMapping.Lora(spec.Policy.Lora);
        var loaded = await compute.Run(() =>
        {
            var model = ModelCheckpoint.LoadCausalLm(modelFolder, PolicyLoadOptions(spec));
            if (adapter) PeftAdapter.Load(model, folder);
            else if (lora != null) LoraModel.Attach(model, lora, SeedMix.Derive(spec.Seed, LoraSeedStream));
            model.Backbone.GradientCheckpointing = spec.Policy.GradientCheckpointing;
            return model;
        });
        ReplacePolicy(loaded, fromVersion);
        DisposeRl();
        tokenizer = await compute.Run(() => SpecMapping.Tokenizer(spec));
        if (spec.Rl.Algorithm == "ppo")
        {
            ILanguageModel referenceModel;
            if (LoraModel.HasAdapters(policy!)) referenceModel = new AdaptersDisabledView<CausalLm>(policy!);
            else
            {
                reference ??= new LoadedPolicy(files, compute, RunId, Device);
                referenceModel = await reference.GetAsync(0);
            }
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
        committedVersion = fromVersion;
        intact = true;
        handOff.Lend(RunId, version, policy!, Device);
        return fromVersion;
    }

    public async Task<PolicyUpdate> Update(RolloutBatch batch, float[] rewards, Dictionary<string, double> rolloutMetrics)
    {
        if (rl == null || policy == null || rlSpec == null)
            throw new TrainerStateLostException("this policy-trainer activation has not begun RL (the one that had was deactivated): begin again from committed state");
        if (batch.PolicyVersion != version)
            throw new InvalidOperationException($"rollouts come from policy version {batch.PolicyVersion} but the trainer holds version {version}");
        using var span = PlatformTracing.Start(PlatformTracing.TrainerUpdate, RunId, version + 1);
        var rollouts = new Rollouts(batch.Prompts, batch.Responses, batch.LogProbs, batch.RefLogProbs, batch.SamplesPerPrompt,
            batch.Temperature, batch.EndedWithEos);
        handOff.Withdraw(RunId);
        intact = false;
        var metrics = await compute.RunSeeded(SeedMix.Derive(rlSpec.Seed, RlUpdateSeedStream + version), () => rl.Update(rollouts, rewards));
        // The previous step's writes ran beside this update; if one failed, so does this step, and the driver redoes it from committed state.
        await recording;
        int next = version + 1;
        version = next;
        intact = true;
        var values = new Dictionary<string, double>(metrics.Values);
        foreach (var (name, value) in rolloutMetrics) values[name] = value;
        bool checkpoint = next % rlSpec.Rl.CheckpointEvery == 0 || next >= rlSpec.Rl.Steps;
        var staged = checkpoint ? await StageHeldAsync() : null;
        recording = RecordAsync(next, RunMetrics.Points(next, values), staged);
        // The evaluation stage loads the last version from the store.
        if (next >= rlSpec.Rl.Steps) await recording;
        handOff.Lend(RunId, next, policy, Device);
        return new PolicyUpdate(next, values);
    }

    public async Task Commit(int requested)
    {
        await recording;
        if (requested == committedVersion) return;
        if (rl != null && intact && requested == version)
        {
            await CommitHeldAsync();
            return;
        }
        if ((await runs.GetCheckpointsAsync(RunId)).Any(c => c.Kind == CheckpointKinds.Policy && c.Version == requested)) return;
        throw new TrainerStateLostException(
            $"policy version {requested} is neither committed nor held by this policy-trainer activation: begin again from committed state");
    }

    async Task CommitHeldAsync()
    {
        await recording;
        var staged = await StageHeldAsync();
        if (staged == null) return;
        recording = RecordAsync(staged.Version, [], staged);
        await recording;
    }

    /// <summary>The held version's trainer state and weights written to staging on the compute worker: a copy the next update does not touch.</summary>
    async Task<StagedVersion?> StageHeldAsync()
    {
        if (version == committedVersion) return null;
        var model = policy!;
        StagedCheckpoint? state = null;
        try
        {
            if (rl is IResumableUpdate resumable)
                state = await files.StageAsync(compute, RunId, CheckpointKinds.TrainerState, version, resumable.SaveState, default);
            var weights = await files.StageAsync(compute, RunId, CheckpointKinds.Policy, version, LoraModel.HasAdapters(model)
                ? folder =>
                {
                    PeftAdapter.Save(model, folder, AdapterBase(RunId));
                    Modeling.Tokenization.TokenizerFiles.Save(tokenizer!, folder);
                }
                : folder => ModelCheckpoint.Save(model, model.Config, tokenizer!, folder), default);
            return new StagedVersion(version, state, weights);
        }
        catch
        {
            state?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A step's metrics, then its staged version: trainer state first, so a policy version is only ever
    /// committed with its trainer state already there and a resume from any committed version continues
    /// exactly. A crash between the two leaves a trainer state one version ahead; the step is redone and
    /// its identical state adopted.
    /// </summary>
    async Task RecordAsync(int step, IReadOnlyList<MetricPoint> points, StagedVersion? staged)
    {
        try
        {
            string runId = RunId;
            // Off this activation's turns: a store whose async calls do their I/O inline (SQLite) would hold the update's reply.
            await Task.Run(async () =>
            {
                if (points.Count > 0) await runs.RecordMetricsAsync(runId, points);
                if (staged == null) return;
                if (staged.TrainerState != null) await files.CommitAsync(staged.TrainerState, default);
                await files.CommitAsync(staged.Policy, default);
            });
            if (staged != null) committedVersion = Math.Max(committedVersion, staged.Version);
        }
        catch (Exception e) when (!ClusterFaults.IsTransient(e))
        {
            // It surfaces in a later call (the next step's update, say): name the step it belongs to. A transient
            // fault goes up as it is, for the driver to redo the steps from committed state.
            throw new InvalidOperationException($"RL step {step}'s writes to the stores failed: {ErrorText.Of(e)}", e);
        }
        finally
        {
            staged?.TrainerState?.Dispose();
            staged?.Policy.Dispose();
        }
    }

    /// <summary>
    /// Waits for the last step's writes (they touch only staged copies, so the model may go once they are
    /// done or <paramref name="ct"/> gives up on them). One that failed is only logged: the steps after
    /// the last committed version are redone.
    /// </summary>
    async Task SettleRecordingAsync(CancellationToken ct = default)
    {
        try { await recording.WaitAsync(ct); }
        catch (Exception e)
        {
            logger.LogWarning("Run {Run}: the last RL step's writes to the stores did not finish ({Error}); going on from committed state", RunId, ErrorText.Of(e));
        }
        recording = Task.CompletedTask;
    }

    sealed record StagedVersion(int Version, StagedCheckpoint? TrainerState, StagedCheckpoint Policy);

    /// <summary>
    /// Version 0: the base model (policy.base) or a fresh policy.model, fine-tuned on the demonstrations
    /// unless policy.sft.steps is 0 (then the base as it is).
    /// </summary>
    async Task<CheckpointRef> SftAsync(RunSpec spec, CancellationToken ct)
    {
        using var environment = await compute.Run(() => RunEnvironment.Create(spec), ct);
        var config = await compute.Run(() => SpecMapping.PolicyConfig(spec, environment.Tokenizer), ct);
        var lora = SpecMapping.Lora(spec.Policy.Lora);
        var model = await compute.Run(() =>
        {
            CausalLm created;
            if (spec.Policy.Base is { } folder) created = ModelCheckpoint.LoadCausalLm(folder, PolicyLoadOptions(spec));
            else
            {
                manual_seed(spec.Seed);
                created = ModelPrecision.Cast(new CausalLm(config), SpecMapping.PolicyLoadOptions(spec).Dtype).to(new Device(Device));
            }
            created.Backbone.GradientCheckpointing = spec.Policy.GradientCheckpointing;
            return created;
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
            // LoRA SFT: adapters train, then fold into the weights, so version 0 is a plain HF folder (every later version's base).
            if (lora != null) await compute.Run(() => LoraModel.Attach(model, lora, SeedMix.Derive(spec.Seed, LoraSeedStream - 1)), ct);
            using var trainer = new SftTrainer(model, demos, SpecMapping.Sft(spec), spec.Seed);
            while (!trainer.IsDone)
            {
                var steps = await StageException.InAsync(() => $"{RunStage.Sft.ToWire()} step {trainer.StepsDone + 1}",
                    () => compute.RunSeeded(SeedMix.Derive(spec.Seed, SftSeedStream + trainer.StepsDone), () => { FaultPoints.Hang($"sft-chunk:{trainer.StepsDone}"); return trainer.Steps(StepsPerChunk); }, ct));
                await runs.RecordMetricsAsync(RunId, RunMetrics.Points(steps), ct);
                sft.Report(trainer.StepsDone, spec.Policy.Sft.Steps);
            }
        }
        if (LoraModel.HasAdapters(model)) await compute.Run(() => LoraModel.Merge(model), ct);
        var checkpoint = await files.PublishAsync(compute, RunId, CheckpointKinds.Policy, 0, model, model.Config, environment.Tokenizer, ct);
        version = 0;
        return checkpoint;
    }

    /// <summary>What a policy adapter's adapter_config.json names as its base: this run's policy version 0.</summary>
    public static string AdapterBase(string runId) => $"rlhf:{runId}/{CheckpointKinds.Policy}/0";

    void DisposeRl()
    {
        (rl as IDisposable)?.Dispose();
        rl = null;
    }

    void ReplacePolicy(CausalLm model, int modelVersion)
    {
        handOff.Withdraw(RunId);
        intact = false;
        DisposeRl();
        policy?.Dispose();
        policy = model;
        version = modelVersion;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        handOff.Withdraw(RunId);
        await SettleRecordingAsync(ct);
        DisposeRl();
        reference?.Dispose();
        policy?.Dispose();
    }
}
