using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// A reward-model loss (METHODS.md, "Reward objectives"). Computes the batch loss (a mean over pairs)
/// and its named terms from the rewards of a batch and, when <see cref="Traits"/> asks for them, the
/// summed response log-probs of the RM's LM head and of a frozen reference.
/// </summary>
public interface IRewardObjective
{
    /// <summary>The method name of the run spec and CLI (bt, margin, bsr, grm-sft, ...).</summary>
    string Name { get; }

    ObjectiveTraits Traits { get; }

    RewardLoss Compute(RewardBatch batch);
}

/// <summary>What an objective needs from the trainer besides rewards, and how the trainer arranges models for it.</summary>
public sealed record ObjectiveTraits
{
    /// <summary>Needs logπ(y_c|x) of the RM's LM head (GRM).</summary>
    public bool ChosenLogProbs { get; init; }
    /// <summary>Needs logπ(y_r|x) too (GRM-DPO).</summary>
    public bool RejectedLogProbs { get; init; }
    /// <summary>Needs the same log-probs under a frozen copy of the starting weights.</summary>
    public bool ReferenceLogProbs { get; init; }
    /// <summary>Needs a margin per pair.</summary>
    public bool Margins { get; init; }
    /// <summary>False: only the reward head's parameters are optimized.</summary>
    public bool TrainsBackbone { get; init; } = true;
    /// <summary>Independent models trained with different seeds (ensemble).</summary>
    public int Members { get; init; } = 1;
    /// <summary>The reward head used when the user does not choose one.</summary>
    public string DefaultHead { get; init; } = "linear";
}

/// <summary>
/// One micro-batch: rewards [B] of the chosen and rejected responses; the optional tensors [B] are
/// filled when the objective's traits ask for them.
/// </summary>
public sealed record RewardBatch(Tensor Chosen, Tensor Rejected)
{
    public Tensor? Margins { get; init; }
    public Tensor? ChosenLogProbs { get; init; }
    public Tensor? RejectedLogProbs { get; init; }
    public Tensor? ReferenceChosenLogProbs { get; init; }
    public Tensor? ReferenceRejectedLogProbs { get; init; }

    public long Pairs => Chosen.shape[0];

    public static Tensor Require(Tensor? tensor, string what, string objective) =>
        tensor ?? throw new ArgumentException($"objective '{objective}' needs {what} in the batch");
}

/// <summary>The loss to minimise and its named, detached terms (metric names rm/loss_{name}).</summary>
public sealed record RewardLoss(Tensor Total, IReadOnlyList<(string Name, Tensor Value)> Terms);
