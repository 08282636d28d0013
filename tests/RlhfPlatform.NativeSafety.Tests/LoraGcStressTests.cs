using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Modeling.Optimization;
using RlhfPlatform.Modeling.Tokenization;
using static TorchSharp.torch;

namespace RlhfPlatform.NativeSafety.Tests;

/// <summary>The LoRA path under <see cref="GcStress"/>: attach, train with adapter dropout, read the reference with adapters off, save and load the PEFT folder, merge.</summary>
public sealed class LoraGcStressTests : IDisposable
{
    static readonly ByteTokenizer Tokenizer = new();

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-lora-gc-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void LoraTrainingSavingAndMergingRunToTheEndWhileTheGcFinalizesEverythingItCan()
    {
        using var stress = new GcStress();
        var config = ModelConfig.Small(Tokenizer.VocabSize, 32, 1, 2, 40, Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId) with { RewardHead = "linear" };
        manual_seed(1);
        using var model = new RewardModel(config);
        LoraModel.Attach(model, new LoraOptions { Rank = 4, Alpha = 16, Dropout = 0.1 }, seed: 1);
        using var optimizer = new AdamW(LoraModel.TrainableParameters(model).Select(p => p.Parameter), learningRate: 1e-2);
        using var batch = SequenceBatch.Build([[Tokenizer.BosId, 97, 98]], [[99, 100, Tokenizer.EosId]], Tokenizer.PadId);
        model.train();
        for (int step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor reference;
            using (LoraModel.Disabled(model))
            using (no_grad())
                reference = ResponseLogProbs.Sum(model, batch);
            var logProbs = ResponseLogProbs.Sum(model, batch);
            var rewards = model.Rewards(batch.InputIds, batch.AttentionMask).Rewards;
            logProbs.sub(reference).sum().add(rewards.sum(), Modeling.TorchScalars.One).neg().backward();
            optimizer.Step();
        }
        PeftAdapter.Save(model, folder, "base");
        manual_seed(1);
        using var reloaded = new RewardModel(config);
        PeftAdapter.Load(reloaded, folder);
        LoraModel.Merge(reloaded);
        Assert.False(LoraModel.HasAdapters(reloaded));
        Assert.True(stress.Collections > 10, $"only {stress.Collections} collections ran");
    }
}
