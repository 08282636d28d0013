using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>Samples rollouts from the requested policy version, with reference log-probs from version 0.</summary>
public sealed class RolloutGeneratorGrain(ComputeQueue compute, CheckpointFiles files) : Grain, IRolloutGeneratorGrain
{
    LoadedPolicy? policy, reference;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        string runId = GrainKeys.RunOf(this.GetPrimaryKeyString());
        policy = new LoadedPolicy(files, compute, runId);
        reference = new LoadedPolicy(files, compute, runId);
        return Task.CompletedTask;
    }

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        var current = await policy!.GetAsync(request.PolicyVersion);
        var referenceModel = await reference!.GetAsync(0);
        return await compute.Run(() => RolloutSampling.Sample(current, referenceModel, request));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        policy?.Dispose();
        reference?.Dispose();
        return Task.CompletedTask;
    }
}
