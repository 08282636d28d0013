using RlhfPlatform.Modeling.Layers;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Batched sampling with a KV cache: prompts are left-padded, prefilled in one forward, then one
/// token per step for every unfinished row. A row finishes at EOS or a stop token; later positions
/// of a finished row are padding and masked out.
/// </summary>
public static class BatchGenerator
{
    public static GenerationResult Generate(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options, Generator rng)
    {
        options.Validate();
        if (prompts.Count == 0) return new GenerationResult([], []);
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token (e.g. BOS)");
        var config = model.Config;
        int longestPrompt = prompts.Max(p => p.Length);
        if (longestPrompt + options.MaxNewTokens > config.MaxPositions)
            throw new ArgumentException(
                $"prompt of {longestPrompt} tokens + {options.MaxNewTokens} new tokens exceeds max_position_embeddings {config.MaxPositions}");

        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var device = ((nn.Module)model).parameters().First().device;
        var (ids, mask) = LeftPad(prompts, longestPrompt, config.PadTokenId, device);
        int rows = prompts.Count;
        var stopIds = tensor(options.StopTokens.Append(config.EosTokenId).Select(t => (long)t).ToArray(), device: device);

        using var cache = new KvCache(config, rows, longestPrompt + options.MaxNewTokens, ScalarType.Float32, device);
        var lastLogits = model.Logits(ids, mask, cache).select(1, -1);
        var finished = zeros(rows, ScalarType.Bool, device);
        var tokenSteps = new List<Tensor>();
        var logProbSteps = new List<Tensor>();
        var realSteps = new List<Tensor>();
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            var (next, logProb) = TokenSampler.Next(lastLogits, options, rng);
            var real = finished.logical_not();
            next = next.masked_fill(finished, config.PadTokenId);
            tokenSteps.Add(next);
            logProbSteps.Add(logProb.masked_fill(finished, 0));
            realSteps.Add(real);
            finished = finished.logical_or(isin(next, stopIds));
            if (step == options.MaxNewTokens - 1 || finished.all().item<bool>()) break;
            mask = cat([mask, real.to_type(ScalarType.Int64).unsqueeze(1)], 1);
            lastLogits = model.Logits(next.unsqueeze(1), mask, cache).select(1, -1);
        }
        return Collect(stack(tokenSteps, 1), stack(logProbSteps, 1), stack(realSteps, 1));
    }

    static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<int[]> prompts, int width, int padId, Device device)
    {
        var ids = new long[prompts.Count * width];
        var mask = new long[prompts.Count * width];
        Array.Fill(ids, padId);
        for (int r = 0; r < prompts.Count; r++)
        {
            int start = r * width + width - prompts[r].Length;
            for (int i = 0; i < prompts[r].Length; i++) { ids[start + i] = prompts[r][i]; mask[start + i] = 1; }
        }
        return (tensor(ids, [prompts.Count, width], device: device), tensor(mask, [prompts.Count, width], device: device));
    }

    static GenerationResult Collect(Tensor tokens, Tensor logProbs, Tensor real)
    {
        int rows = (int)tokens.shape[0], steps = (int)tokens.shape[1];
        long[] t = tokens.cpu().data<long>().ToArray();
        float[] l = logProbs.cpu().to_type(ScalarType.Float32).data<float>().ToArray();
        bool[] m = real.cpu().data<bool>().ToArray();
        var responses = new int[rows][];
        var responseLogProbs = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            int length = 0;
            while (length < steps && m[r * steps + length]) length++;
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
