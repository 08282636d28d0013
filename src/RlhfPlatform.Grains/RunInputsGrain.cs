using Orleans.Concurrency;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>Checks a spec's inputs (<see cref="RunInputs"/>) off the grain scheduler: folder and file reads, no tensors.</summary>
[StatelessWorker]
public sealed class RunInputsGrain(CheckpointFiles files) : Grain, IRunInputsGrain
{
    public async Task<string[]> Check(RunSpec spec)
    {
        try
        {
            var local = await PushedData.ResolveAsync(spec, files, default);
            return [.. await Task.Run(() => RunInputs.Problems(local))];
        }
        catch (RunSpecException e)
        {
            return [e.Message];
        }
    }
}
