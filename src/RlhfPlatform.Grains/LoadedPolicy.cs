using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;

namespace RlhfPlatform.Grains;

/// <summary>
/// A grain's copy of one policy version on its device, reloaded from the checkpoint store when another
/// version is asked for. A LoRA version is version 0 with that version's adapter: the base stays
/// loaded and only the adapter is swapped, so moving to the next version reads megabytes, not the model.
/// </summary>
public sealed class LoadedPolicy(CheckpointFiles files, ComputeQueue compute, string runId, string device) : IDisposable
{
    bool holdsVersionZeroBase;

    public CausalLm? Model { get; private set; }
    public int Version { get; private set; } = -1;

    public async Task<CausalLm> GetAsync(int version, CancellationToken ct = default)
    {
        if (Model != null && Version == version) return Model;
        string folder = await files.FetchAsync(runId, CheckpointKinds.Policy, version, ct);
        bool adapter = AdapterCheckpoint.KindOf(folder) == ModelFolderKind.PeftAdapter;
        if (Model != null && holdsVersionZeroBase && (adapter || version == 0))
        {
            var held = Model;
            await compute.Run(() =>
            {
                LoraModel.Detach(held);
                if (adapter) PeftAdapter.Load(held, folder);
                held.eval();
            }, ct);
            Version = version;
            return held;
        }
        string modelFolder = adapter ? await files.FetchAsync(runId, CheckpointKinds.Policy, 0, ct) : folder;
        var loaded = await compute.Run(() =>
        {
            // In the precision the trainer saved it in (policy.dtype): a bf16 policy samples in bf16.
            var m = ModelCheckpoint.LoadCausalLm(modelFolder, ModelCheckpoint.AsSaved(modelFolder, device));
            try
            {
                if (adapter) PeftAdapter.Load(m, folder);
            }
            catch
            {
                m.Dispose();
                throw;
            }
            m.eval();
            return m;
        }, ct);
        Model?.Dispose();
        Model = loaded;
        Version = version;
        holdsVersionZeroBase = adapter || version == 0;
        return loaded;
    }

    public void Dispose() => Model?.Dispose();
}
