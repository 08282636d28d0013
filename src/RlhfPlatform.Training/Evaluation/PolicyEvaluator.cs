using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Evaluation;

/// <summary>
/// A policy against a reference policy (by default the starting SFT policy) on held-out prompts.
/// Length counts response tokens without the stop token. KlToReference is the k1 sample estimate
/// mean_x Σ_t (log π(y_t) - log π_ref(y_t)) over y ~ π at the sampling temperature (sampled even in
/// greedy mode, where the greedy responses are not draws from π).
/// </summary>
public sealed record PolicyEvaluationResult(
    string Mode, int Prompts,
    double GoldReward, double ReferenceGoldReward, double ProxyReward, double ReferenceProxyReward,
    LengthSummary Length, LengthSummary ReferenceLength, WinRates WinRates, double KlToReference)
{
    /// <summary>Response lengths in characters of the decoded text (when the options name the tokenizer).</summary>
    public LengthSummary? LengthChars { get; init; }
    public LengthSummary? ReferenceLengthChars { get; init; }

    /// <summary>Flat metric names for the run store, e.g. "eval/sampled/gold_reward".</summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "eval")
    {
        string p = $"{prefix}/{Mode}/";
        var metrics = new Dictionary<string, double>
        {
            [p + "gold_reward"] = GoldReward,
            [p + "reference_gold_reward"] = ReferenceGoldReward,
            [p + "proxy_reward"] = ProxyReward,
            [p + "reference_proxy_reward"] = ReferenceProxyReward,
            [p + "length_mean"] = Length.Mean,
            [p + "length_p10"] = Length.P10,
            [p + "length_median"] = Length.Median,
            [p + "length_p90"] = Length.P90,
            [p + "reference_length_mean"] = ReferenceLength.Mean,
            [p + "win_rate"] = WinRates.WinRate,
            [p + "lc_win_rate"] = WinRates.LengthControlledWinRate,
            [p + "kl_to_reference"] = KlToReference,
        };
        if (LengthChars is { } chars) metrics[p + "length_chars_mean"] = chars.Mean;
        if (ReferenceLengthChars is { } referenceChars) metrics[p + "reference_length_chars_mean"] = referenceChars.Mean;
        return metrics;
    }
}

public sealed record EvaluationOptions
{
    public GenerationOptions Generation { get; init; } = new();
    /// <summary>Greedy decoding for the judged responses (the KL estimate still samples).</summary>
    public bool Greedy { get; init; }
    public long Seed { get; init; }
    /// <summary>Decodes responses to report their lengths in characters too; null: tokens only.</summary>
    public Modeling.Tokenization.ITokenizer? Tokenizer { get; init; }
}

public static class PolicyEvaluator
{
    public static PolicyEvaluationResult Evaluate(CausalLm policy, CausalLm reference, IReadOnlyList<int[]> prompts,
        IRewardSource gold, IRewardSource? proxy, EvaluationOptions options)
    {
        if (prompts.Count == 0) throw new ArgumentException("evaluation needs at least one prompt");
        var sampling = options.Generation with { Greedy = false };
        var judged = options.Greedy ? options.Generation with { Greedy = true } : sampling;
        var responses = Generate(policy, prompts, judged, SeedMix.Derive(options.Seed, 1));
        var referenceResponses = Generate(reference, prompts, judged, SeedMix.Derive(options.Seed, 2));
        var klSamples = options.Greedy ? Generate(policy, prompts, sampling, SeedMix.Derive(options.Seed, 3)) : responses;

        var goldScores = gold.Score(prompts, responses).Select(s => (double)s).ToArray();
        var referenceGold = gold.Score(prompts, referenceResponses).Select(s => (double)s).ToArray();
        double proxyMean = proxy?.Score(prompts, responses).Average() ?? double.NaN;
        double referenceProxyMean = proxy?.Score(prompts, referenceResponses).Average() ?? double.NaN;
        int eos = policy.Config.EosTokenId;
        var lengths = responses.Select(r => (double)r.Count(t => t != eos)).ToArray();
        var referenceLengths = referenceResponses.Select(r => (double)r.Count(t => t != eos)).ToArray();
        var winRates = WinRates.Compute(WinRates.Outcomes(goldScores, referenceGold), lengths, referenceLengths);
        return new PolicyEvaluationResult(options.Greedy ? "greedy" : "sampled", prompts.Count,
            goldScores.Average(), referenceGold.Average(), proxyMean, referenceProxyMean,
            LengthSummary.Of(lengths), LengthSummary.Of(referenceLengths), winRates,
            KlToReference(policy, reference, prompts, klSamples, sampling.Temperature))
        {
            LengthChars = options.Tokenizer is { } tokenizer ? CharLengths(tokenizer, responses) : null,
            ReferenceLengthChars = options.Tokenizer is { } referenceTokenizer ? CharLengths(referenceTokenizer, referenceResponses) : null,
        };
    }

    static LengthSummary CharLengths(Modeling.Tokenization.ITokenizer tokenizer, int[][] responses) =>
        LengthSummary.Of(responses.Select(r => (double)tokenizer.Decode(r).Length).ToArray());

    static int[][] Generate(CausalLm model, IReadOnlyList<int[]> prompts, GenerationOptions generation, int seed)
    {
        model.eval();
        return BatchGenerator.Generate(model, prompts, generation, new Generator((ulong)seed)).Responses;
    }

    static double KlToReference(CausalLm policy, CausalLm reference, IReadOnlyList<int[]> prompts, int[][] samples, double temperature)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var batch = SequenceBatch.For(policy, prompts, samples);
        var logProbs = ResponseLogProbs.Sum(policy, batch, temperature);
        var refLogProbs = ResponseLogProbs.Sum(reference, batch, temperature);
        return (logProbs - refLogProbs).mean().item<float>();
    }
}
