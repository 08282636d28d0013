using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>Samples rollouts from the requested policy version, with reference log-probs from version 0.</summary>
[HeavyWork]
public sealed class RolloutGeneratorGrain(ComputeQueue compute, CheckpointFiles files) : Grain, IRolloutGeneratorGrain
{
    LoadedPolicy? policy, reference;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        string runId = GrainKeys.RunOf(this.GetPrimaryKeyString());
        string device = compute.AssignDevice();
        policy = new LoadedPolicy(files, compute, runId, device);
        reference = new LoadedPolicy(files, compute, runId, device);
        return Task.CompletedTask;
    }

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        var current = await policy!.GetAsync(request.PolicyVersion);
        var referenceModel = await reference!.GetAsync(0);
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
