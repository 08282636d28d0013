using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;

namespace RlhfPlatform.Grains;

/// <summary>
/// A grain's copy of one policy version on its device, reloaded from the checkpoint store when another
/// version is asked for. A LoRA version is version 0 with that version's adapter: the base stays
/// loaded and only the adapter is swapped, so moving to the next version reads megabytes, not the model.
/// With a <paramref name="handOff"/>, a version the run's trainer on this silo lends is copied from its
/// weights; any other is first committed by <paramref name="trainer"/> (a no-op for a committed one), so a
/// version between two checkpoints (rl.checkpointEvery) reaches a generator on any silo.
/// </summary>
public sealed class LoadedPolicy(CheckpointFiles files, ComputeQueue compute, string runId, string device,
    PolicyHandOff? handOff = null, IPolicyTrainerGrain? trainer = null) : IDisposable
{
    bool holdsVersionZeroBase;

    public CausalLm? Model { get; private set; }
    public int Version { get; private set; } = -1;

    public async Task<CausalLm> GetAsync(int version, CancellationToken ct = default)
    {
        if (Model != null && Version == version) return Model;
        if (handOff != null && Model is { } into && await compute.RunInference(() => handOff.TryCopyInto(runId, version, into), ct))
        {
            Version = version;
            holdsVersionZeroBase &= LoraModel.HasAdapters(into); // a LoRA trainer's base is version 0's, frozen
            return into;
        }
        if (trainer != null) await trainer.Commit(version);
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
