using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;

namespace RlhfPlatform.Grains;

/// <summary>A grain's copy of one policy version on its device, reloaded from the checkpoint store when another version is asked for.</summary>
public sealed class LoadedPolicy(CheckpointFiles files, ComputeQueue compute, string runId, string device) : IDisposable
{
    public CausalLm? Model { get; private set; }
    public int Version { get; private set; } = -1;

    public async Task<CausalLm> GetAsync(int version, CancellationToken ct = default)
    {
        if (Model != null && Version == version) return Model;
        string folder = await files.FetchAsync(runId, CheckpointKinds.Policy, version, ct);
        var loaded = await compute.Run(() =>
        {
            // In the precision the trainer saved it in (policy.dtype): a bf16 policy samples in bf16.
            var m = ModelCheckpoint.LoadCausalLm(folder, new ModelLoadOptions { Dtype = ModelCheckpoint.SavedDtype(folder), Device = device });
            m.eval();
            return m;
        }, ct);
        Model?.Dispose();
        Model = loaded;
        Version = version;
        return loaded;
    }

    public void Dispose() => Model?.Dispose();
}
