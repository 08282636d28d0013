using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains;

/// <summary>
/// The policy version each run's trainer on this silo holds between two updates, lent to the run's
/// generators on the same silo: they copy its weights into the model they hold instead of loading the
/// version from the checkpoint store, so a version need not be committed to reach them. The trainer
/// withdraws the loan before it changes or frees the weights; a copy in progress finishes first.
/// </summary>
public sealed class PolicyHandOff
{
    sealed class Loan(nn.Module model, int version)
    {
        public readonly nn.Module Model = model;
        public readonly int Version = version;
        public bool Withdrawn;
    }

    readonly ConcurrentDictionary<string, Loan> loans = new();

    public void Lend(string runId, int version, nn.Module model)
    {
        Withdraw(runId);
        loans[runId] = new Loan(model, version);
    }

    /// <summary>Ends the run's loan; returns once no generator is copying from it.</summary>
    public void Withdraw(string runId)
    {
        if (!loans.TryRemove(runId, out var loan)) return;
        lock (loan) loan.Withdrawn = true;
    }

    /// <summary>
    /// Copies the lent weights of <paramref name="version"/> into <paramref name="target"/> when the run's
    /// trainer lends that version and every tensor of the two state dicts matches by name, shape and dtype
    /// (a model loaded from the version's folder would hold the very same values). Runs on a compute thread.
    /// </summary>
    public bool TryCopyInto(string runId, int version, nn.Module target)
    {
        if (!loans.TryGetValue(runId, out var loan) || loan.Version != version) return false;
        lock (loan)
        {
            if (loan.Withdrawn) return false;
            var source = loan.Model.state_dict();
            var destination = target.state_dict();
            if (source.Count != destination.Count) return false;
            foreach (var (name, tensor) in source)
                if (!destination.TryGetValue(name, out var into) || into.dtype != tensor.dtype || !into.shape.SequenceEqual(tensor.shape))
                    return false;
            using (no_grad())
                foreach (var (name, tensor) in source) destination[name].copy_(tensor);
            return true;
        }
    }
}
