using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>
/// A run's generator grains ("{run}/{shard}"): a step's prompts are cut into contiguous shards, one
/// per generator, sampled in parallel and gathered back in prompt order. Each sample is seeded by its
/// row in the whole step (RolloutRequest.FirstPrompt), so any number of shards gives the same batch.
/// </summary>
public sealed class RolloutFanOut(IGrainFactory grains, string runId, int generators)
{
    readonly IRolloutGeneratorGrain[] shards = Enumerable.Range(0, generators)
        .Select(i => grains.GetGrain<IRolloutGeneratorGrain>(GrainKeys.Join(runId, i))).ToArray();

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        if (shards.Length == 1) return await shards[0].Generate(request);
        var requests = Shard(request, shards.Length);
        var batches = await Task.WhenAll(requests.Select((r, i) => shards[i].Generate(r)));
        return Gather(request, batches);
    }

    /// <summary>At most <paramref name="count"/> contiguous, non-empty shards whose sizes differ by at most one prompt.</summary>
    public static IReadOnlyList<RolloutRequest> Shard(RolloutRequest request, int count)
    {
        int prompts = request.Prompts.Length;
        count = Math.Clamp(count, 1, Math.Max(1, prompts));
        var shards = new List<RolloutRequest>(count);
        int start = 0;
        for (int i = 0; i < count; i++)
        {
            int size = prompts / count + (i < prompts % count ? 1 : 0);
            shards.Add(request with { Prompts = request.Prompts[start..(start + size)], FirstPrompt = request.FirstPrompt + start });
            start += size;
        }
        return shards;
    }

    public static RolloutBatch Gather(RolloutRequest request, IReadOnlyList<RolloutBatch> shards)
    {
        if (shards.Any(s => s.PolicyVersion != request.PolicyVersion))
            throw new InvalidOperationException($"a generator answered with another policy version than {request.PolicyVersion}");
        return new RolloutBatch(request.PolicyVersion,
            [.. shards.SelectMany(s => s.Prompts)], [.. shards.SelectMany(s => s.Responses)],
            [.. shards.SelectMany(s => s.LogProbs)], [.. shards.SelectMany(s => s.RefLogProbs)],
            request.SamplesPerPrompt, request.Temperature, [.. shards.SelectMany(s => s.EndedWithEos)]);
    }
}
