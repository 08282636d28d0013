using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// The decode loop shared by the cached and uncached generators. Ids and attention mask are
/// preallocated to prompt + max new tokens and written column by column; each step sees them
/// narrowed to the positions filled so far. A row finishes at EOS or a stop token; its later
/// positions are padding and masked out.
/// </summary>
static class SamplingLoop
{
    /// <summary>Last-position logits [B, V] given the full id and mask buffers and how many positions are filled.</summary>
    public delegate Tensor NextLogits(Tensor ids, Tensor mask, long filled);

    /// <summary>The next token ids [B] and their log-probs [B] from last-position logits [B, V], at decode step <paramref name="step"/>.</summary>
    public delegate (Tensor Tokens, Tensor LogProbs) NextTokens(Tensor logits, int step);

    /// <summary>One generator for the whole batch.</summary>
    public static NextTokens Shared(GenerationOptions options, Generator rng) => (logits, _) => TokenSampler.Next(logits, options, rng);

    /// <summary>
    /// Each row's uniforms [B, max new tokens], drawn up front from the row's own seed: a row samples
    /// the same tokens whatever batch it is in.
    /// </summary>
    public static Tensor RowUniforms(IReadOnlyList<long> rowSeeds, int maxNewTokens, Device device)
    {
        var values = new double[rowSeeds.Count * maxNewTokens];
        for (int r = 0; r < rowSeeds.Count; r++)
        {
            using var rng = new Generator((ulong)rowSeeds[r]);
            using var row = rand(maxNewTokens, ScalarType.Float64, generator: rng);
            row.data<double>().CopyTo(values, r * maxNewTokens);
        }
        return tensor(values, [rowSeeds.Count, maxNewTokens], device: device);
    }

    public static NextTokens PerRow(GenerationOptions options, Tensor rowUniforms) =>
        (logits, step) => TokenSampler.Next(logits, options, rowUniforms.select(1, step));

    /// <returns>the longest prompt's length</returns>
    public static int Validate(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options)
    {
        options.Validate();
        if (prompts.Count == 0) return 0;
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token (e.g. BOS)");
        int longestPrompt = prompts.Max(p => p.Length);
        if (longestPrompt + options.MaxNewTokens > model.Config.MaxPositions)
            throw new ArgumentException(
                $"prompt of {longestPrompt} tokens + {options.MaxNewTokens} new tokens exceeds max_position_embeddings {model.Config.MaxPositions}");
        return longestPrompt;
    }

    public static GenerationResult Run(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options, NextTokens nextTokens,
        Action<int>? afterToken, NextLogits nextLogits)
    {
        var config = model.Config;
        int rows = prompts.Count, maxNew = options.MaxNewTokens;
        int longestPrompt = prompts.Max(p => p.Length);
        var (_, device) = ModelPlacement.Of(model);
        // On the CPU every op has already run when .item() returns, so checking each step costs nothing
        // and stops at once; on a GPU it is a host sync, so check less often and waste a few steps.
        int finishCheckInterval = device.type == DeviceType.CPU ? 1 : 8;

        using var inference = inference_mode();
        using var outer = NewDisposeScope();
        var (ids, mask) = LeftPadded(prompts, longestPrompt, longestPrompt + maxNew, config.PadTokenId, device);
        var logProbs = zeros(rows, maxNew, ScalarType.Float32, device);
        var finished = zeros(rows, ScalarType.Bool, device);
        var stopIds = tensor(options.StopTokens.Concat(config.EosTokenIds).Select(t => (long)t).ToArray(), device: device);
        using var padId = ((long)config.PadTokenId).ToScalar();
        int steps = 0;
        while (steps < maxNew)
        {
            using var scope = NewDisposeScope();
            long filled = longestPrompt + steps;
            var (next, logProb) = nextTokens(nextLogits(ids, mask, filled), steps);
            ids.select(1, filled).copy_(next.masked_fill(finished, padId));
            mask.select(1, filled).copy_(finished.logical_not());
            logProbs.select(1, steps).copy_(logProb.masked_fill(finished, TorchScalars.Zero));
            if (!options.IgnoreEos) finished.logical_or_(isin(next, stopIds));
            afterToken?.Invoke(steps);
            steps++;
            if (!options.IgnoreEos && steps % finishCheckInterval == 0 && finished.all().item<bool>()) break;
        }
        return Collect(ids.narrow(1, longestPrompt, steps), logProbs.narrow(1, 0, steps), mask.narrow(1, longestPrompt, steps));
    }

    /// <summary>[B, width] ids (pad) and mask (0) with each prompt right-aligned in the first <paramref name="promptWidth"/> columns.</summary>
    static (Tensor Ids, Tensor Mask) LeftPadded(IReadOnlyList<int[]> prompts, int promptWidth, int width, int padId, Device device)
    {
        var ids = new long[prompts.Count * width];
        var mask = new long[prompts.Count * width];
        Array.Fill(ids, padId);
        for (int r = 0; r < prompts.Count; r++)
        {
            int start = r * width + promptWidth - prompts[r].Length;
            for (int i = 0; i < prompts[r].Length; i++) { ids[start + i] = prompts[r][i]; mask[start + i] = 1; }
        }
        return (tensor(ids, [prompts.Count, width], device: device), tensor(mask, [prompts.Count, width], device: device));
    }

    static GenerationResult Collect(Tensor tokens, Tensor logProbs, Tensor real)
    {
        int rows = (int)tokens.shape[0], steps = (int)tokens.shape[1];
        long[] t = tokens.cpu().contiguous().data<long>().ToArray();
        float[] l = logProbs.cpu().contiguous().data<float>().ToArray();
        long[] m = real.cpu().contiguous().data<long>().ToArray();
        var responses = new int[rows][];
        var responseLogProbs = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            int length = 0;
            while (length < steps && m[r * steps + length] != 0) length++;
            responses[r] = new int[length];
            responseLogProbs[r] = new float[length];
            for (int i = 0; i < length; i++)
            {
                responses[r][i] = (int)t[r * steps + i];
                responseLogProbs[r][i] = l[r * steps + i];
            }
        }
        return new GenerationResult(responses, responseLogProbs);
    }
}
