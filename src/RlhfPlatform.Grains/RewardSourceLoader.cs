using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Grains;

/// <summary>A committed reward-model checkpoint as a reward source, loaded on the compute thread.</summary>
public sealed class LoadedRewardSource(RewardModel model) : IRewardSource, IDisposable
{
    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) =>
        new RewardModelSource(model).Score(prompts, responses);

    public void Dispose() => model.Dispose();

    public static async Task<LoadedRewardSource> LoadAsync(CheckpointFiles files, ComputeQueue compute,
        string runId, string kind, int version, CancellationToken ct = default)
    {
        string folder = await files.FetchAsync(runId, kind, version, ct);
        var model = await compute.Run(() => { var m = ModelCheckpoint.LoadRewardModel(folder); m.eval(); return m; }, ct);
        return new LoadedRewardSource(model);
    }

    public static Task<LoadedRewardSource> LoadAsync(CheckpointFiles files, ComputeQueue compute, CheckpointRef checkpoint, CancellationToken ct = default) =>
        LoadAsync(files, compute, checkpoint.RunId, checkpoint.Kind, checkpoint.Version, ct);
}
