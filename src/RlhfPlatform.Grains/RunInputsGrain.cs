using Orleans.Concurrency;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>Checks a spec's inputs (<see cref="RunInputs"/>) off the grain scheduler: folder and file reads, no tensors.</summary>
[StatelessWorker]
public sealed class RunInputsGrain : Grain, IRunInputsGrain
{
    public async Task<string[]> Check(RunSpec spec) => [.. await Task.Run(() => RunInputs.Problems(spec))];
}
