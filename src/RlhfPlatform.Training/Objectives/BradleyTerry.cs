using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>Bradley-Terry: mean over pairs of -log σ(r_chosen - r_rejected).</summary>
public static class BradleyTerry
{
    public static Tensor Loss(Tensor chosenRewards, Tensor rejectedRewards)
    {
        using var scope = NewDisposeScope();
        return (-nn.functional.logsigmoid(chosenRewards - rejectedRewards)).mean().MoveToOuterDisposeScope();
    }
}
