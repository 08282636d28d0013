using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Optimization;

/// <summary>Our AdamW against torch.optim.AdamW (TorchSharp's, run here without GC stress) on the same model, data and steps.</summary>
public class AdamWTests
{
    [Theory]
    [InlineData(1e-3, 0.0)]
    [InlineData(3e-3, 0.1)]
    public void MatchesTorchAdamWBitForBit(double learningRate, double weightDecay)
    {
        using var ours = TinyModels.Policy(seed: 3);
        using var theirs = CopyOf(ours);
        using var untrained = CopyOf(ours);
        using var ourOptimizer = new AdamW(ours.parameters(), learningRate, weightDecay: weightDecay);
        using var theirOptimizer = optim.AdamW(theirs.parameters(), lr: learningRate, weight_decay: weightDecay);
        for (int step = 0; step < 6; step++)
        {
            double lr = learningRate * (1.0 - step / 10.0); // a changing learning rate, as the schedules set it
            ourOptimizer.LearningRate = lr;
            foreach (var group in theirOptimizer.ParamGroups) group.LearningRate = lr;
            TrainStep(ours, ourOptimizer.ZeroGrad, ourOptimizer.Step, step);
            TrainStep(theirs, theirOptimizer.zero_grad, () => theirOptimizer.step(), step);
        }
        foreach (var ((name, a), (_, b)) in ours.named_parameters().Zip(theirs.named_parameters()))
            Assert.True(a.equal(b).all().item<bool>(), $"{name} differs: max |Δ| = {(a - b).abs().max().item<float>()}");
        Assert.Equal(6, ourOptimizer.Steps);
        Assert.Contains(ours.parameters().Zip(untrained.parameters()), pair => !pair.First.equal(pair.Second).all().item<bool>());
    }

    [Fact]
    public void SavedStateResumesExactly()
    {
        using var straight = TinyModels.Policy(seed: 4);
        using var first = CopyOf(straight);
        using var straightOptimizer = new AdamW(straight.parameters(), 2e-3, weightDecay: 0.01);
        for (int step = 0; step < 5; step++) TrainStep(straight, straightOptimizer.ZeroGrad, straightOptimizer.Step, step);

        string folder = Directory.CreateTempSubdirectory("adamw-").FullName;
        try
        {
            string path = Path.Combine(folder, AdamW.StateFileName);
            using (var firstOptimizer = new AdamW(first.parameters(), 2e-3, weightDecay: 0.01))
            {
                for (int step = 0; step < 3; step++) TrainStep(first, firstOptimizer.ZeroGrad, firstOptimizer.Step, step);
                firstOptimizer.Save(path);
            }
            using var resumedOptimizer = new AdamW(first.parameters(), 2e-3, weightDecay: 0.01);
            resumedOptimizer.Load(path);
            Assert.Equal(3, resumedOptimizer.Steps);
            for (int step = 3; step < 5; step++) TrainStep(first, resumedOptimizer.ZeroGrad, resumedOptimizer.Step, step);

            foreach (var ((name, a), (_, b)) in straight.named_parameters().Zip(first.named_parameters()))
                Assert.True(a.equal(b).all().item<bool>(), $"{name} differs after resume");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoadRefusesStateOfOtherParameters()
    {
        string folder = Directory.CreateTempSubdirectory("adamw-").FullName;
        try
        {
            string path = Path.Combine(folder, AdamW.StateFileName);
            using var model = TinyModels.Policy();
            using (var optimizer = new AdamW(model.parameters(), 1e-3)) optimizer.Save(path);
            using var other = new AdamW(model.parameters().Take(3), 1e-3);
            var error = Assert.Throws<InvalidDataException>(() => other.Load(path));
            Assert.Contains("parameters", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void RejectsInvalidHyperparameters()
    {
        using var model = TinyModels.Policy();
        Assert.Contains("beta1", Assert.Throws<ArgumentException>(() => new AdamW(model.parameters(), 1e-3, beta1: 1.0)).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => new AdamW(model.parameters(), double.NaN)).Message);
    }

    // Copies, not a second TinyModels.Policy(seed): other test classes use torch's global RNG in parallel.
    static CausalLm CopyOf(CausalLm model)
    {
        var copy = new CausalLm(model.Config);
        copy.load_state_dict(model.state_dict());
        return copy;
    }

    static void TrainStep(CausalLm model, Action zeroGrad, Action step, int seed)
    {
        using var scope = NewDisposeScope();
        var prompts = new[] { TinyModels.Prompt("ab"), TinyModels.Prompt("cde") };
        var responses = new[] { TinyModels.Tokenizer.Encode($"x{seed}y"), TinyModels.Tokenizer.Encode($"{seed}zz") };
        using var batch = SequenceBatch.Build(prompts, responses, model.Config.PadTokenId);
        model.train();
        var loss = ResponseLogProbs.PerToken(model, batch).sum().neg();
        zeroGrad();
        loss.backward();
        step();
    }
}
