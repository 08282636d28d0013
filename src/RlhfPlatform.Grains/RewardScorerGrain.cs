using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Grains;

/// <summary>Scores responses with one committed reward-model checkpoint (key "{run}/{kind}/{version}").</summary>
public sealed class RewardScorerGrain(ComputeQueue compute, CheckpointFiles files) : Grain, IRewardScorerGrain
{
    RewardModel? model;

    public async Task<float[]> Score(int[][] prompts, int[][] responses)
    {
        if (prompts.Length != responses.Length) throw new ArgumentException($"{prompts.Length} prompts but {responses.Length} responses");
        if (model == null)
        {
            string[] key = this.GetPrimaryKeyString().Split('/');
            if (key.Length != 3 || !int.TryParse(key[2], out int version))
                throw new ArgumentException($"reward scorer key '{this.GetPrimaryKeyString()}' is not run/kind/version");
            string folder = await files.FetchAsync(key[0], key[1], version, default);
            model = await compute.Run(() => ModelCheckpoint.LoadRewardModel(folder));
        }
        var loaded = model;
        return await compute.Run(() => RewardScoring.Score(loaded, prompts, responses));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        model?.Dispose();
        return Task.CompletedTask;
    }
}
