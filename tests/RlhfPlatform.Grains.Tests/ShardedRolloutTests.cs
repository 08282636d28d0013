using RlhfPlatform.Contracts;
using RlhfPlatform.Grains;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Synthetic;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A step's rollouts cut into shards (as several generator grains make them) equal the unsharded batch.</summary>
public class ShardedRolloutTests
{
    static readonly GenerationOptions Sampling = new() { MaxNewTokens = 8, Temperature = 1.0 };

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void ShardsGatheredInPromptOrderEqualOneGenerator(int generators)
    {
        using var policy = Tiny(1);
        using var reference = Tiny(2);
        var prompts = new LengthTask(8).Prompts(7, 3, "train").Select(p => Tokenize.Prompt(Tokenizer, p)).ToArray();
        var request = new RolloutRequest(0, prompts, 3, Sampling.MaxNewTokens, Sampling.Temperature, Seed: 41);
        var whole = Generate(policy, reference, request);
        var shards = RolloutFanOut.Shard(request, generators);
        Assert.Equal(generators, shards.Count);
        Assert.Equal(prompts, shards.SelectMany(s => s.Prompts));
        var gathered = RolloutFanOut.Gather(request, shards.Select(s => Generate(policy, reference, s)).ToArray());

        Assert.Equal(whole.Prompts, gathered.Prompts);
        Assert.Equal(whole.Responses, gathered.Responses);
        Assert.Equal(whole.EndedWithEos, gathered.EndedWithEos);
        Assert.Equal(whole.LogProbs, gathered.LogProbs, (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Equal(whole.RefLogProbs, gathered.RefLogProbs, (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.True(whole.Responses.Distinct(new SequenceComparer()).Count() > 1, "samples of one prompt should differ");
    }

    static readonly ByteTokenizer Tokenizer = new();

    static CausalLm Tiny(int seed)
    {
        manual_seed(seed);
        return new CausalLm(ModelConfig.Small(Tokenizer.VocabSize, 32, 1, 2, 32, Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId));
    }

    static RolloutBatch Generate(Modeling.CausalLm policy, Modeling.CausalLm reference, RolloutRequest request)
    {
        var r = RolloutMaker.Make(policy, reference, request.Prompts, request.SamplesPerPrompt, Sampling, request.Seed, request.FirstPrompt);
        return new RolloutBatch(0, r.Prompts, r.Responses, r.LogProbs, r.RefLogProbs, r.SamplesPerPrompt, r.Temperature, r.EndedWithEos);
    }

    sealed class SequenceComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? a, int[]? b) => a!.SequenceEqual(b!);
        public int GetHashCode(int[] a) => a.Length;
    }
}
