using System.Collections.Concurrent;
using RlhfPlatform.Modeling.Lora;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains;

/// <summary>
/// The policy version each run's trainer on this silo holds between two updates, lent to the run's
/// generators on the same silo, so a version need not be committed to reach them: a generator on the
/// trainer's device samples from the lent model itself (no second copy of the weights, as the direct
/// loop does), one on another device copies its weights into the model it holds. The trainer withdraws
/// the loan before it changes or frees the weights; a use in progress finishes first.
/// </summary>
public sealed class PolicyHandOff
{
    sealed class Loan(nn.Module model, int version, string device)
    {
        public readonly nn.Module Model = model;
        public readonly int Version = version;
        public readonly string Device = device;
        public readonly bool HasAdapters = LoraModel.HasAdapters(model);
        public bool Withdrawn;
    }

    readonly ConcurrentDictionary<string, Loan> loans = new();

    public void Lend(string runId, int version, nn.Module model, string device)
    {
        Withdraw(runId);
        loans[runId] = new Loan(model, version, device);
    }

    /// <summary>
    /// Whether the run's trainer lends <paramref name="version"/> on <paramref name="device"/> (it may be withdrawn
    /// right after), and whether the lent model carries LoRA adapters (its reference is then itself with them off).
    /// </summary>
    public bool Lends(string runId, int version, string device, out bool hasAdapters)
    {
        var loan = LoanOf(runId, version, device);
        hasAdapters = loan is { Withdrawn: false, HasAdapters: true };
        return loan is { Withdrawn: false };
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the lent model of <paramref name="version"/> itself, on its device, with the
    /// loan held (the trainer's withdrawal waits for it); false if that version is not lent there. Runs on a compute thread.
    /// </summary>
    public bool TryUse<T>(string runId, int version, string device, Func<nn.Module, T> work, out T? result)
    {
        result = default;
        if (LoanOf(runId, version, device) is not { } loan) return false;
        lock (loan)
        {
            if (loan.Withdrawn) return false;
            result = work(loan.Model);
            return true;
        }
    }

    Loan? LoanOf(string runId, int version, string device) =>
        loans.TryGetValue(runId, out var loan) && loan.Version == version && loan.Device == device ? loan : null;

    /// <summary>Ends the run's loan; returns once no generator is using it.</summary>
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
