using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>Samples rollouts from the requested policy version (lent by the trainer on this silo, or committed), with reference log-probs from version 0.</summary>
[HeavyWork]
public sealed class RolloutGeneratorGrain(ComputeQueue compute, CheckpointFiles files, PolicyHandOff handOff) : Grain, IRolloutGeneratorGrain
{
    LoadedPolicy? policy, reference;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        string runId = GrainKeys.RunOf(this.GetPrimaryKeyString());
        string device = compute.AssignDevice();
        policy = new LoadedPolicy(files, compute, runId, device, handOff, GrainFactory.GetGrain<IPolicyTrainerGrain>(runId));
        reference = new LoadedPolicy(files, compute, runId, device);
        return Task.CompletedTask;
    }

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        var current = await policy!.GetAsync(request.PolicyVersion);
        // A LoRA version's reference is its own base with the adapters off: no second copy of the weights.
        // Version 0 is its own reference.
        ILanguageModel referenceModel = LoraModel.HasAdapters(current) ? new AdaptersDisabledView<CausalLm>(current)
            : request.PolicyVersion == 0 ? current
            : await reference!.GetAsync(0);
        var generation = new GenerationOptions { MaxNewTokens = request.MaxNewTokens, Temperature = request.Temperature };
        var rollouts = await compute.RunInference(() =>
            RolloutMaker.Make(current, referenceModel, request.Prompts, request.SamplesPerPrompt, generation, request.Seed, request.FirstPrompt));
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
