using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using static TorchSharp.torch;
using RlhfPlatform.Modeling.Optimization;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Sft;

/// <param name="MicroBatchTokens">padded tokens (rows × longest row) per forward and backward; null: the whole batch at once</param>
public sealed record SftOptions(int Steps, int BatchSize, double LearningRate, double MaxGradNorm = 1.0, long? MicroBatchTokens = null);

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
        using var batch = SequenceBatch.For(model, rows.Select(r => r.Prompt).ToArray(), rows.Select(r => r.Response).ToArray());
        // The loss is the mean over every response token of the batch: each micro-batch adds its tokens' share.
        using var responseTokens = batch.ResponseMask.sum();
        var lengths = rows.Select(r => r.Prompt.Length + r.Response.Length).ToArray();
        var all = Enumerable.Range(0, rows.Length).Select(i => (long)i).ToArray();
        optimizer.ZeroGrad();
        double loss = 0;
        foreach (var micro in MicroBatches.Split(all, lengths, (int)batch.InputIds.shape[1], options.MicroBatchTokens))
        {
            using var microScope = NewDisposeScope();
            var index = tensor(micro.Rows, device: batch.InputIds.device);
            var ids = micro.Slice(batch.InputIds, index);
            var tokenLogProbs = ResponseLogProbs.PerToken(model, ids, micro.Slice(batch.AttentionMask, index), micro.Slice(batch.ResponseMask, index));
            var microLoss = -tokenLogProbs.sum() / responseTokens;
            microLoss.backward();
            loss += microLoss.item<float>();
        }
        double gradNorm = nn.utils.clip_grad_norm_(trainable, options.MaxGradNorm);
        optimizer.Step();
        StepsDone++;
        return new TrainingStepMetrics(StepsDone, new Dictionary<string, double>
        {
            ["sft/loss"] = loss,
            ["sft/grad_norm"] = gradNorm,
        });
    }

    public void Dispose() => optimizer.Dispose();
}
