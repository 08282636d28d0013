using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using static TorchSharp.torch;
using RlhfPlatform.Modeling.Optimization;

namespace RlhfPlatform.Training.Sft;

public sealed record SftOptions(int Steps, int BatchSize, double LearningRate, double MaxGradNorm = 1.0);

/// <summary>Supervised fine-tuning: mean negative log-likelihood of the response tokens, one AdamW step per call.</summary>
public sealed class SftTrainer : IStepwiseTrainer, IDisposable
{
    readonly CausalLm model;
    readonly IReadOnlyList<TokenizedResponse> data;
    readonly SftOptions options;
    readonly DataOrder order;
    readonly AdamW optimizer;
    readonly TorchSharp.Modules.Parameter[] trainable;

    public SftTrainer(CausalLm model, IReadOnlyList<TokenizedResponse> data, SftOptions options, int seed)
    {
        this.model = model;
        this.data = data;
        this.options = options;
        order = new DataOrder(data.Count, seed);
        // Frozen weights (a LoRA base) get neither optimizer state nor a share of the clipped norm.
        trainable = model.parameters().Where(p => p.requires_grad).ToArray();
        optimizer = new AdamW(trainable, options.LearningRate, weightDecay: 0.0);
    }

    public int StepsDone { get; private set; }

    public bool IsDone => StepsDone >= options.Steps;

    public TrainingStepMetrics Step()
    {
        using var scope = NewDisposeScope();
        model.train();
        var rows = order.NextBatch(options.BatchSize).Select(i => data[i]).ToArray();
        using var batch = SequenceBatch.Build(rows.Select(r => r.Prompt).ToArray(), rows.Select(r => r.Response).ToArray(), model.Config.PadTokenId);
        var tokenLogProbs = ResponseLogProbs.PerToken(model, batch);
        var loss = -tokenLogProbs.sum() / batch.ResponseMask.sum();
        optimizer.ZeroGrad();
        loss.backward();
        double gradNorm = nn.utils.clip_grad_norm_(trainable, options.MaxGradNorm);
        optimizer.Step();
        StepsDone++;
        return new TrainingStepMetrics(StepsDone, new Dictionary<string, double>
        {
            ["sft/loss"] = loss.item<float>(),
            ["sft/grad_norm"] = gradNorm,
        });
    }

    public void Dispose() => optimizer.Dispose();
}
