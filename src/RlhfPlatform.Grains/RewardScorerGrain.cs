using RlhfPlatform.Contracts;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>Scores responses with one committed reward-model checkpoint (key "{run}/{kind}/{version}").</summary>
[HeavyWork]
public sealed class RewardScorerGrain(ComputeQueue compute, CheckpointFiles files) : Grain, IRewardScorerGrain
{
    LoadedRewardSource? source;

    public async Task<float[]> Score(int[][] prompts, int[][] responses)
    {
        if (prompts.Length != responses.Length) throw new ArgumentException($"{prompts.Length} prompts but {responses.Length} responses");
        using var span = PlatformTracing.Source.StartActivity(PlatformTracing.ScorerScore);
        if (source == null)
        {
            string[] key = this.GetPrimaryKeyString().Split('/');
            if (key.Length != 3 || !int.TryParse(key[2], out int version))
                throw new ArgumentException($"reward scorer key '{this.GetPrimaryKeyString()}' is not run/kind/version");
            source = await LoadedRewardSource.LoadAsync(files, compute, key[0], key[1], version, compute.AssignDevice());
        }
        var loaded = source;
        return await compute.RunInference(() => loaded.Score(prompts, responses));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        source?.Dispose();
        return Task.CompletedTask;
    }
}
