using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

public class ObjectiveMathTests
{
    [Fact]
    public void BradleyTerryMatchesHandComputedValue()
    {
        // Δ = (1 - 0) and (0.5 - 2): -log σ(1) = 0.3132617, -log σ(-1.5) = 1.7014132; mean 1.0073375
        using var loss = BradleyTerry.Loss(tensor(new[] { 1f, 0.5f }), tensor(new[] { 0f, 2f }));
        Assert.Equal(1.0073375, loss.item<float>(), 5);
    }

    [Fact]
    public void RlooAdvantagesLeaveTheSampleOut()
    {
        // Group (1, 2, 6): baselines (2+6)/2=4, (1+6)/2=3.5, (1+2)/2=1.5 → -3, -1.5, 4.5. Group (0, 0, 3): -1.5, -1.5, 3.
        using var advantages = Rloo.Advantages(tensor(new[] { 1f, 2f, 6f, 0f, 0f, 3f }), k: 3);
        Assert.Equal(new[] { -3f, -1.5f, 4.5f, -1.5f, -1.5f, 3f }, advantages.data<float>().ToArray());
    }

    [Fact]
    public void KlPenaltyIsFoldedIntoTheSequenceReward()
    {
        // R = r - 0.1 (logπ - logπ_ref): 1 - 0.1(-2 - -5) = 0.7; 0 - 0.1(-4 - -3) = 0.1
        using var r = Rloo.SequenceRewards(tensor(new[] { 1f, 0f }), tensor(new[] { -2f, -4f }), tensor(new[] { -5f, -3f }), 0.1);
        var values = r.data<float>().ToArray();
        Assert.Equal(0.7f, values[0], 5);
        Assert.Equal(0.1f, values[1], 5);
    }

    [Fact]
    public void ClippedSurrogateTakesThePessimisticTerm()
    {
        // ratios e^0.5 = 1.6487 (A=+1 → clipped to 1.2) and e^-0.5 = 0.6065 (A=-1 → clipped 0.8 gives -0.8, min is -0.8)
        var logProbs = tensor(new[] { 0.5f, -0.5f });
        var (loss, clipFraction) = Rloo.PolicyLoss(logProbs, zeros(2), tensor(new[] { 1f, -1f }), 0.2);
        Assert.Equal(-(1.2 + -0.8) / 2, loss.item<float>(), 5);
        Assert.Equal(1.0, clipFraction.item<float>(), 5);
    }
}
