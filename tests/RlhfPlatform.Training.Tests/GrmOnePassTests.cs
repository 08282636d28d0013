using RlhfPlatform.Modeling;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>GRM's rewards and LM log-probs from one backbone pass give the loss and gradient of the former two passes.</summary>
public class GrmOnePassTests
{
    [Theory]
    [InlineData("grm-sft")]
    [InlineData("grm-dpo-noref")]
    [InlineData("grm-dpo")]
    public void OnePassLossAndGradientEqualTheTwoPassOnes(string method)
    {
        var objective = RewardObjectives.Create(new RewardObjectiveOptions { Method = method, GrmAlpha = 0.3 });
        var traits = objective.Traits;
        using var model = RewardModelBase.Fresh(TinyRewardSetup.Config(), "mlp", seed: 3);
        using var reference = RewardModelBase.Fresh(TinyRewardSetup.Config(), "mlp", seed: 4);
        model.eval(); // dropout of the mlp head off: both passes see the same head
        var rows = TinyRewardSetup.TrainPairs(count: 12, seed: 5);

        RewardBatch WithReference(RewardBatch batch)
        {
            if (!traits.ReferenceLogProbs) return batch;
            using var noGrad = no_grad();
            var (refChosen, refRejected) = PairLogProbs.Compute(reference, rows, traits.RejectedLogProbs);
            return batch with { ReferenceChosenLogProbs = refChosen, ReferenceRejectedLogProbs = refRejected };
        }

        (double Loss, float[] Gradient) Run(Func<RewardBatch> build)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            var loss = objective.Compute(WithReference(build())).Total;
            loss.backward();
            var gradient = model.parameters().SelectMany(p => p.grad is { } g ? g.data<float>().ToArray() : new float[p.numel()]).ToArray();
            return (loss.item<float>(), gradient);
        }

        var twoPass = Run(() =>
        {
            var (chosen, rejected) = PairRewards.Compute(model, rows);
            var (chosenLogProbs, rejectedLogProbs) = PairLogProbs.Compute(model, rows, traits.RejectedLogProbs);
            return new RewardBatch(chosen, rejected) { ChosenLogProbs = chosenLogProbs, RejectedLogProbs = rejectedLogProbs };
        });
        var onePass = Run(() =>
        {
            var pass = PairRewardsAndLogProbs.Compute(model, rows, traits.RejectedLogProbs);
            return new RewardBatch(pass.Chosen, pass.Rejected) { ChosenLogProbs = pass.ChosenLogProbs, RejectedLogProbs = pass.RejectedLogProbs };
        });

        Assert.True(Math.Abs(twoPass.Loss - onePass.Loss) < 1e-6, $"{method}: one-pass loss {onePass.Loss} vs two-pass {twoPass.Loss}");
        double gradientScale = twoPass.Gradient.Max(g => Math.Abs(g));
        Assert.True(gradientScale > 0);
        double gradientError = twoPass.Gradient.Zip(onePass.Gradient, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(gradientError < 1e-5 * Math.Max(1, gradientScale), $"{method}: gradients differ by {gradientError} (largest {gradientScale})");
    }
}
