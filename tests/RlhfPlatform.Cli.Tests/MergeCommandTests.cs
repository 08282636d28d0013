using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Modeling.Tokenization;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf merge` on tiny base folders and PEFT adapters the test writes.</summary>
public sealed class MergeCommandTests : IDisposable
{
    // fp32: the merged (W + s·B A) x and the adapted W x + s·B(A x) differ by rounding only.
    const double Tolerance = 1e-5;

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-merge-").FullName;
    readonly ByteTokenizer tokenizer = new();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string Sub(string name) => Path.Combine(folder, name);

    ModelConfig Config(string rewardHead = "none") => ModelConfig.Small(tokenizer.VocabSize, dim: 32, layers: 2, heads: 4, maxPositions: 64,
        bos: tokenizer.BosId, eos: tokenizer.EosId, pad: tokenizer.PadId) with { NumKvHeads = 2, RewardHead = rewardHead };

    static void RandomizeAdapters(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (_, projection) in LoraModel.Adapted(model))
            using (var noise = randn_like(projection.Adapter!.B.weight!)) projection.Adapter.B.weight!.copy_(noise.mul(0.1));
    }

    static Tensor Ids() => tensor(new long[] { 256, 97, 98, 99, 100, 101, 256, 98, 97, 99, 100, 257 }).view(2, 6);

    [Fact]
    public async Task CausalLmAdapterMergesIntoAFolderThatGivesTheAdaptedLogits()
    {
        manual_seed(3);
        using var model = new CausalLm(Config());
        ModelCheckpoint.Save(model, model.Config, tokenizer, Sub("base"));
        LoraModel.Attach(model, new LoraOptions { Rank = 4, Alpha = 8 }, seed: 1);
        RandomizeAdapters(model);
        PeftAdapter.Save(model, Sub("adapter"), Sub("base"));
        model.eval();
        using var ids = Ids();
        using var expected = model.forward(ids).detach();

        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["merge", "--base", Sub("base"), "--adapter", Sub("adapter"), "--out", Sub("merged")]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("merged 14 LoRA projections", stdout);
        Assert.Equal(ModelFolderKind.HfModel, AdapterCheckpoint.KindOf(Sub("merged")));
        using var merged = ModelCheckpoint.LoadCausalLm(Sub("merged"));
        merged.eval();
        Assert.DoesNotContain(merged.state_dict().Keys, k => k.Contains("lora"));
        Assert.Equal(tokenizer.Kind, TokenizerFiles.Load(Sub("merged")).Kind);
        using var logits = merged.forward(ids);
        double difference = logits.sub(expected).abs().max().item<float>();
        Assert.True(difference <= Tolerance, $"merged logits differ by {difference:E3}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RewardModelAdapterMergesIntoAFolderThatLoadsAsARewardModel(bool baseIsTheCausalLm)
    {
        manual_seed(4);
        using var model = new RewardModel(Config("linear"));
        if (baseIsTheCausalLm)
        {
            // The usual case: the reward model was trained with LoRA from a policy folder, its head carried by the adapter.
            using var policy = new CausalLm(Config());
            var state = model.state_dict();
            using (no_grad())
                foreach (var (name, tensor) in policy.state_dict()) tensor.copy_(state[name]);
            ModelCheckpoint.Save(policy, policy.Config, tokenizer, Sub("base"));
        }
        else ModelCheckpoint.Save(model, model.Config, tokenizer, Sub("base"));
        LoraModel.Attach(model, new LoraOptions { Rank = 2, Alpha = 4, TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed: 1);
        RandomizeAdapters(model);
        using (no_grad()) model.state_dict()["score.weight"].mul_(-3.0);
        PeftAdapter.Save(model, Sub("adapter"), Sub("base"));
        model.eval();
        using var ids = Ids();
        using var expected = model.forward(ids).detach();

        var (exit, _, stderr) = await RlhfProcess.RunAsync(["merge", "--base", Sub("base"), "--adapter", Sub("adapter"), "--out", Sub("merged")]);
        Assert.True(exit == 0, stderr);
        using var merged = ModelCheckpoint.LoadRewardModel(Sub("merged"));
        merged.eval();
        using var rewards = merged.forward(ids);
        double difference = rewards.sub(expected).abs().max().item<float>();
        Assert.True(difference <= Tolerance, $"merged rewards differ by {difference:E3}");
    }

    [Fact]
    public async Task ANonEmptyOutFolderIsRefusedWithExitCodeTwo()
    {
        Directory.CreateDirectory(Sub("merged"));
        File.WriteAllText(Path.Combine(Sub("merged"), "keep.txt"), "mine");
        Directory.CreateDirectory(Sub("base"));
        Directory.CreateDirectory(Sub("adapter"));
        File.WriteAllText(Path.Combine(Sub("base"), ModelCheckpoint.ConfigFile), "{}");
        File.WriteAllText(Path.Combine(Sub("adapter"), PeftAdapterConfig.FileName), "{}");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["merge", "--base", Sub("base"), "--adapter", Sub("adapter"), "--out", Sub("merged")]);
        Assert.Equal(2, exit);
        Assert.Matches(@"^error: --out .* is not empty: refusing to overwrite it\s*$", stderr);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(Sub("merged"), "keep.txt")));
    }

    [Fact]
    public async Task AnAdapterWeCannotHonourIsOneErrorLineWithExitCodeTwo()
    {
        manual_seed(5);
        using var model = new CausalLm(Config());
        ModelCheckpoint.Save(model, model.Config, tokenizer, Sub("base"));
        Directory.CreateDirectory(Sub("adapter"));
        File.WriteAllText(Path.Combine(Sub("adapter"), PeftAdapterConfig.FileName),
            """{ "peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj"], "use_dora": true }""");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["merge", "--base", Sub("base"), "--adapter", Sub("adapter"), "--out", Sub("merged")]);
        Assert.Equal(2, exit);
        Assert.Matches(@"^error: [^\n]*use_dora true \(DoRA\) is not supported[^\n]*\s*$", stderr);
        Assert.False(Directory.Exists(Sub("merged")));
    }
}
