using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Modeling.Optimization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Lora;

/// <summary>AdamW on the LoRA parameters only: the base stays bit-identical, and the merged folder computes what the adapted model does.</summary>
public sealed class LoraTrainingTests(ITestOutputHelper output) : IDisposable
{
    // fp32: merging reassociates W x + s·B(A x) as (W + s·B A) x; the difference is rounding, ~1e-7 relative here.
    const double MergedTolerance = 1e-5;

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-lora-train-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void AdamWStepsChangeOnlyTheAdapterAndTheMergedFolderGivesTheSameLogits()
    {
        using var model = TinyModels.Policy(seed: 7);
        var baseWeights = LoraModels.Snapshot(model);
        LoraModel.Attach(model, LoraModels.AllSeven, seed: 1);
        var trainable = LoraModel.TrainableParameters(model);
        using var optimizer = new AdamW(trainable.Select(p => p.Parameter), learningRate: 1e-2);
        using var batch = SequenceBatch.Build([TinyModels.Prompt("ab")], [[99, 100, 101, TinyModels.Tokenizer.EosId]], TinyModels.Tokenizer.PadId);
        double first = 0, last = 0;
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            var loss = ResponseLogProbs.Sum(model, batch).sum().neg();
            loss.backward();
            optimizer.Step();
            (first, last) = (step == 0 ? loss.item<float>() : first, loss.item<float>());
        }
        Assert.True(last < first, $"the loss did not fall ({first} → {last})");

        var state = model.state_dict();
        foreach (var (name, before) in baseWeights)
            Assert.True(state[name].eq(before).all().item<bool>(), $"{name} changed although it is frozen");
        Assert.All(LoraModel.Adapted(model), a => Assert.True(a.Projection.Adapter!.B.weight!.abs().max().item<float>() > 0));

        model.eval();
        using var adapted = LoraModels.Logits(model);
        LoraModel.Merge(model);
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder);
        using var merged = ModelCheckpoint.LoadCausalLm(folder);
        merged.eval();
        using var mergedLogits = LoraModels.Logits(merged);
        double difference = mergedLogits.sub(adapted).abs().max().item<float>();
        output.WriteLine($"loss {first:F4} → {last:F4}; merged vs adapted logits: max |Δ| = {difference:E3}");
        Assert.True(difference <= MergedTolerance, $"merged logits differ by {difference:E3}");
        using var baseModel = TinyModels.Policy(seed: 7);
        using var baseLogits = LoraModels.Logits(baseModel);
        Assert.True(mergedLogits.sub(baseLogits).abs().max().item<float>() > 1e-3, "the merge did not change the model");
    }
}
