using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains;

/// <summary>The "make experience" half of RL: samples k responses per prompt and the log-probs the update needs.</summary>
public static class RolloutSampling
{
    public static RolloutBatch Sample(CausalLm policy, CausalLm reference, RolloutRequest request)
    {
        var prompts = request.Prompts.SelectMany(p => Enumerable.Repeat(p, request.SamplesPerPrompt)).ToArray();
        var options = new GenerationOptions { MaxNewTokens = request.MaxNewTokens, Temperature = request.Temperature };
        var generated = BatchGenerator.Generate(policy, prompts, options, new Generator((ulong)request.Seed));
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var batch = SequenceBatch.Build(prompts, generated.Responses, policy.Config.PadTokenId);
        var refLogProbs = ResponseLogProbs.Sum(reference, batch, request.Temperature).data<float>().ToArray();
        var logProbs = generated.LogProbs.Select(l => l.Sum()).ToArray();
        return new RolloutBatch(request.PolicyVersion, prompts, generated.Responses, logProbs, refLogProbs, request.SamplesPerPrompt);
    }
}
