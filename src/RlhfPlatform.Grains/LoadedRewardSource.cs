using RlhfPlatform.Contracts;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Grains;

/// <summary>
/// A committed reward-model checkpoint as a reward source, loaded on the compute thread: one model,
/// or an ensemble scored with the aggregate (mean or min) it was trained with.
/// </summary>
public sealed class LoadedRewardSource(TrainedRewardModel model) : IRewardSource, IDisposable
{
    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => model.Score(prompts, responses);

    public void Dispose() => model.Dispose();

    public static async Task<LoadedRewardSource> LoadAsync(CheckpointFiles files, ComputeQueue compute,
        string runId, string kind, int version, string device, CancellationToken ct = default)
    {
        string folder = await files.FetchAsync(runId, kind, version, ct);
        var model = await compute.Run(() => RewardModelFolder.Load(folder, device: device), ct);
        return new LoadedRewardSource(model);
    }

    public static Task<LoadedRewardSource> LoadAsync(CheckpointFiles files, ComputeQueue compute, CheckpointRef checkpoint, string device, CancellationToken ct = default) =>
        LoadAsync(files, compute, checkpoint.RunId, checkpoint.Kind, checkpoint.Version, device, ct);
}
