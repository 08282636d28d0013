using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>
/// Samples rollouts from the requested policy version, with reference log-probs from version 0: from
/// the trainer's own model when it lends that version on this silo and device (<see cref="PolicyHandOff"/>),
/// else from a copy it holds (the lent weights copied in, or the committed version loaded).
/// </summary>
[HeavyWork]
public sealed class RolloutGeneratorGrain(ComputeQueue compute, CheckpointFiles files, PolicyHandOff handOff) : Grain, IRolloutGeneratorGrain
{
    LoadedPolicy? policy, reference;
    string runId = "", device = "";

    public override Task OnActivateAsync(CancellationToken ct)
    {
        runId = GrainKeys.RunOf(this.GetPrimaryKeyString());
        device = compute.AssignDevice();
        policy = new LoadedPolicy(files, compute, runId, device, handOff, GrainFactory.GetGrain<IPolicyTrainerGrain>(runId));
        reference = new LoadedPolicy(files, compute, runId, device);
        return Task.CompletedTask;
    }

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        using var span = PlatformTracing.Start(PlatformTracing.GeneratorGenerate, runId, request.PolicyVersion + 1);
        var generation = new GenerationOptions { MaxNewTokens = request.MaxNewTokens, Temperature = request.Temperature };
        Rollouts Make(CausalLm current, ILanguageModel referenceModel) =>
            RolloutMaker.Make(current, referenceModel, request.Prompts, request.SamplesPerPrompt, generation, request.Seed, request.FirstPrompt);
        // A LoRA version's reference is its own base with the adapters off: no second copy of the weights.
        // Version 0 is its own reference. Any other is version 0, loaded.
        async Task<CausalLm?> LoadedReferenceAsync(bool hasAdapters) => hasAdapters || request.PolicyVersion == 0 ? null : await reference!.GetAsync(0);
        ILanguageModel ReferenceOf(CausalLm current, CausalLm? loadedReference) =>
            LoraModel.HasAdapters(current) ? new AdaptersDisabledView<CausalLm>(current) : request.PolicyVersion == 0 ? current : loadedReference!;

        Rollouts? rollouts = null;
        // On a silo that runs one heavy job at a time, generators take turns anyway; on one that runs several, each
        // samples from its own copy, so that two shards need not wait for each other on the loan.
        if (compute.Options.Workers == 1 && handOff.Lends(runId, request.PolicyVersion, device, out bool lentHasAdapters))
        {
            // The trainer's own weights on this device, as the direct loop samples them: nothing to copy or hold.
            var loadedReference = await LoadedReferenceAsync(lentHasAdapters);
            rollouts = await compute.RunInference(() =>
                handOff.TryUse(runId, request.PolicyVersion, device, lent => Make((CausalLm)lent, ReferenceOf((CausalLm)lent, loadedReference)), out var made)
                    ? made : null);
        }
        if (rollouts == null)
        {
            var current = await policy!.GetAsync(request.PolicyVersion);
            var loadedReference = await LoadedReferenceAsync(LoraModel.HasAdapters(current));
            rollouts = await compute.RunInference(() => Make(current, ReferenceOf(current, loadedReference)));
        }
        return new RolloutBatch(request.PolicyVersion, rollouts.Prompts, rollouts.Responses, rollouts.LogProbs,
            rollouts.RefLogProbs, rollouts.SamplesPerPrompt, rollouts.Temperature, rollouts.EndedWithEos);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        policy?.Dispose();
        reference?.Dispose();
        return Task.CompletedTask;
    }
}
