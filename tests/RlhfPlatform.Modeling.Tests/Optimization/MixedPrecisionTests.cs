using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Optimization;

/// <summary>bf16 weights with fp32 master weights and optimizer state, fp32 heads and log-softmax.</summary>
public class MixedPrecisionTests
{
    [Fact]
    public void UpdatesBelowOneBf16UlpAddUpInTheMasterCopy()
    {
        // 100 AdamW steps of 1e-4 on a weight of 1.0: each is far below bf16's spacing there (2^-8 under 1,
        // 2^-7 above), so a bf16 weight updated in place would never move.
        using var bf16 = nn.Parameter(ones(4, dtype: ScalarType.BFloat16));
        using var fp32 = nn.Parameter(ones(4));
        using var mixed = new AdamW([bf16], 1e-4);
        using var reference = new AdamW([fp32], 1e-4);
        Assert.Equal(1, mixed.MasterCopies);
        Assert.Equal(0, reference.MasterCopies);
        for (int step = 0; step < 100; step++)
        {
            bf16.grad = ones(4, dtype: ScalarType.BFloat16);
            fp32.grad = ones(4);
            mixed.Step();
            reference.Step();
        }
        float expected = fp32.data<float>()[0];
        Assert.Equal(0.99f, expected, 1e-5f);
        // The master followed the fp32 run exactly (the gradient, 1, is exact in bf16); the weight is its bf16 rounding.
        Assert.Equal(fp32.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32).data<float>().ToArray(), bf16.to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(0.98828125f, bf16.to_type(ScalarType.Float32).data<float>()[0]); // 253 · 2^-8, the bf16 nearest 0.99
    }

    [Fact]
    public void ABf16TrainingRunTracksTheFp32RunFromTheSameStart()
    {
        using var fp32 = TinyModels.Policy(seed: 5);
        using var initial = CopyOf(fp32);
        using var bf16 = ModelPrecision.Cast(CopyOf(fp32), ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, ModelPrecision.Of(bf16));
        using var fp32Optimizer = new AdamW(fp32.parameters(), 3e-3);
        using var bf16Optimizer = new AdamW(bf16.parameters(), 3e-3);
        Assert.Equal(bf16.parameters().Count(), bf16Optimizer.MasterCopies);
        var fp32Losses = new List<double>();
        var bf16Losses = new List<double>();
        for (int step = 0; step < 30; step++)
        {
            fp32Losses.Add(TrainStep(fp32, fp32Optimizer));
            bf16Losses.Add(TrainStep(bf16, bf16Optimizer));
        }
        // Stated tolerance: every step's loss within 1% of the fp32 run's, and the same progress overall.
        for (int step = 0; step < fp32Losses.Count; step++)
            Assert.True(Math.Abs(bf16Losses[step] - fp32Losses[step]) <= 0.01 * fp32Losses[step],
                $"step {step}: bf16 loss {bf16Losses[step]:F4}, fp32 {fp32Losses[step]:F4}");
        Assert.True(fp32Losses[^1] < 0.5 * fp32Losses[0], $"the fp32 run did not learn: {fp32Losses[0]:F3} → {fp32Losses[^1]:F3}");
        // The weights: the bf16 run's distance from the fp32 run's, against how far the fp32 run moved them.
        double worst = 0;
        string worstName = "";
        foreach (var (((name, a), (_, b)), (_, start)) in fp32.named_parameters().Zip(bf16.named_parameters()).Zip(initial.named_parameters()))
        {
            double apart = (a - b.to_type(ScalarType.Float32)).norm().item<float>();
            double moved = (a - start).norm().item<float>();
            if (moved > 0 && apart / moved > worst) (worst, worstName) = (apart / moved, name);
        }
        Assert.True(worst < 0.25, $"{worstName}: the bf16 run ended {worst:P1} of the fp32 run's own displacement away from it");
        Console.WriteLine($"bf16 vs fp32 over 30 steps: max loss gap {fp32Losses.Zip(bf16Losses).Max(p => Math.Abs(p.First - p.Second) / p.First):P2}, worst weight gap {worst:P1} of displacement ({worstName})");
    }

    [Fact]
    public void ARewardModelInBf16KeepsItsHeadAndRewardsInFp32()
    {
        manual_seed(6);
        using var model = ModelPrecision.Cast(new RewardModel(TinyModels.Config(rewardHead: "mlp")), ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, ModelPrecision.Of(model));
        Assert.All(model.HeadParameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(model.Backbone.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        using var ids = tensor(new long[,] { { 1, 5, 6, 7 }, { 1, 8, 9, 0 } });
        using var mask = tensor(new long[,] { { 1, 1, 1, 1 }, { 1, 1, 1, 0 } });
        var (rewards, _) = model.Rewards(ids, mask);
        using (rewards)
        {
            Assert.Equal(ScalarType.Float32, rewards.dtype);
            rewards.sum().backward();
        }
        Assert.All(model.HeadParameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
    }

    [Fact]
    public void SavedMixedPrecisionStateResumesExactly()
    {
        using var straight = ModelPrecision.Cast(TinyModels.Policy(seed: 7), ScalarType.BFloat16);
        using var resumed = CopyOf(straight);
        using var straightOptimizer = new AdamW(straight.parameters(), 1e-3);
        for (int step = 0; step < 5; step++) TrainStep(straight, straightOptimizer);
        string folder = Directory.CreateTempSubdirectory("adamw-bf16-").FullName;
        try
        {
            string path = Path.Combine(folder, AdamW.StateFileName);
            using (var first = new AdamW(resumed.parameters(), 1e-3))
            {
                for (int step = 0; step < 3; step++) TrainStep(resumed, first);
                first.Save(path);
            }
            using var second = new AdamW(resumed.parameters(), 1e-3);
            second.Load(path);
            for (int step = 3; step < 5; step++) TrainStep(resumed, second);
            foreach (var ((name, a), (_, b)) in straight.named_parameters().Zip(resumed.named_parameters()))
                Assert.True(a.equal(b).all().item<bool>(), $"{name} differs after resume");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static CausalLm CopyOf(CausalLm model)
    {
        var copy = ModelPrecision.Cast(new CausalLm(model.Config), ModelPrecision.Of(model));
        using (no_grad())
            foreach (var ((_, target), (_, source)) in copy.state_dict().Zip(model.state_dict())) target.copy_(source);
        return copy;
    }

    static double TrainStep(CausalLm model, AdamW optimizer)
    {
        using var scope = NewDisposeScope();
        var prompts = new[] { TinyModels.Prompt("ab"), TinyModels.Prompt("cde"), TinyModels.Prompt("fg") };
        var responses = new[] { TinyModels.Tokenizer.Encode("xyzzy"), TinyModels.Tokenizer.Encode("hello"), TinyModels.Tokenizer.Encode("abcab") };
        using var batch = SequenceBatch.Build(prompts, responses, model.Config.PadTokenId);
        model.train();
        var loss = ResponseLogProbs.PerToken(model, batch).sum().neg() / batch.ResponseMask.sum();
        optimizer.ZeroGrad();
        loss.backward();
        optimizer.Step();
        return loss.item<float>();
    }
}
