using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Training.Synthetic;

/// <summary>
/// The synthetic over-optimization task. A prompt names a few letters ("bdk:"); a good response uses
/// only those letters and is TargetLength characters long. Gold reward = content + length term:
///   content = fraction of response characters among the prompt's letters (0 for an empty response)
///   length  = n / L for n ≤ L, then 1 - 2 (n - L) / L, never below -1
/// Demonstrations (and so the SFT policy and the preference data) are never longer than L, so inside
/// the data "longer is better" holds; a proxy RM that learns that rule rewards lengths past L, where
/// the gold reward falls. That is the spurious feature that over-optimization exploits.
///
/// The OOD set (<see cref="OodLongPairs"/>) tests exactly that feature: same prompts and content
/// rule, but responses up to 2L long with at least one past L in every pair, so "longer is better"
/// is mostly wrong there (gold falls by 2/L per character past L). An RM that learned the gold rule
/// (content, and length up to L) keeps its accuracy; one that learned "longer" drops below chance.
/// </summary>
public sealed class LengthTask
{
    public const string Alphabet = "abcdefghijkl";
    const int LettersPerPrompt = 3;
    const double InSetProbability = 0.8;

    public LengthTask(int targetLength)
    {
        if (targetLength < 2) throw new ArgumentOutOfRangeException(nameof(targetLength), targetLength, "target length must be at least 2");
        TargetLength = targetLength;
    }

    public int TargetLength { get; }

    public string SamplePrompt(Random rng)
    {
        var letters = Alphabet.OrderBy(_ => rng.Next()).Take(LettersPerPrompt).Order();
        return new string(letters.ToArray()) + ":";
    }

    /// <summary>Prompts for a split: "train" and "eval" draw from different seed streams.</summary>
    public IReadOnlyList<string> Prompts(int count, long seed, string split)
    {
        long stream = split switch
        {
            "train" => 1,
            "eval" => 2,
            _ => throw new ArgumentException($"unknown split '{split}' (train or eval)"),
        };
        var rng = new Random(SeedMix.Derive(seed, stream));
        return Enumerable.Range(0, count).Select(_ => SamplePrompt(rng)).ToArray();
    }

    /// <summary>A demonstration: 1..L characters, each from the prompt's letters with probability 0.8.</summary>
    public string SampleResponse(string prompt, Random rng) => SampleResponse(prompt, rng, rng.Next(1, TargetLength + 1));

    string SampleResponse(string prompt, Random rng, int length)
    {
        string letters = Letters(prompt);
        var chars = new char[length];
        for (int i = 0; i < length; i++)
            chars[i] = rng.NextDouble() < InSetProbability ? letters[rng.Next(letters.Length)] : Alphabet[rng.Next(Alphabet.Length)];
        return new string(chars);
    }

    public double GoldReward(string prompt, string response)
    {
        string letters = Letters(prompt);
        int n = response.Length;
        double content = n == 0 ? 0 : response.Count(letters.Contains) / (double)n;
        double length = n <= TargetLength ? n / (double)TargetLength : Math.Max(-1, 1 - 2.0 * (n - TargetLength) / TargetLength);
        return content + length;
    }

    public IReadOnlyList<Demonstration> Demonstrations(int count, int seed)
    {
        var rng = new Random(SeedMix.Derive(seed, 101));
        return Enumerable.Range(0, count).Select(_ =>
        {
            string prompt = SamplePrompt(rng);
            return new Demonstration(prompt, SampleResponse(prompt, rng));
        }).ToArray();
    }

    /// <summary>
    /// Two demonstrations per prompt, the one with the higher gold reward chosen (ties broken at
    /// random); then a fraction <paramref name="labelNoise"/> of the pairs is flipped.
    /// Returns the pairs and how many were flipped. Each pair's margin is |gold(a) - gold(b)| (a
    /// "rating difference", as rated pairs carry), before any flip.
    /// </summary>
    public (IReadOnlyList<PreferencePair> Pairs, int Flipped) PreferencePairs(int count, double labelNoise, int seed)
    {
        if (labelNoise is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(labelNoise), labelNoise, "label noise must be in [0, 1]");
        var rng = new Random(SeedMix.Derive(seed, 202));
        var pairs = new List<PreferencePair>(count);
        int flipped = 0;
        while (pairs.Count < count)
        {
            string prompt = SamplePrompt(rng);
            string a = SampleResponse(prompt, rng), b = SampleResponse(prompt, rng);
            if (a == b) continue;
            double ga = GoldReward(prompt, a), gb = GoldReward(prompt, b);
            bool aWins = ga > gb || (ga == gb && rng.Next(2) == 0);
            bool flip = rng.NextDouble() < labelNoise;
            if (flip) { aWins = !aWins; flipped++; }
            double margin = Math.Abs(ga - gb);
            pairs.Add(aWins ? new PreferencePair(prompt, a, b, margin) : new PreferencePair(prompt, b, a, margin));
        }
        return (pairs, flipped);
    }

    /// <summary>
    /// Out-of-distribution pairs, gold-labelled with no noise: both response lengths uniform in
    /// [1, 2L], at least one longer than L (never seen in training data), ties in gold dropped.
    /// </summary>
    public IReadOnlyList<PreferencePair> OodLongPairs(int count, int seed)
    {
        var rng = new Random(SeedMix.Derive(seed, 404));
        var pairs = new List<PreferencePair>(count);
        while (pairs.Count < count)
        {
            string prompt = SamplePrompt(rng);
            int lengthA = rng.Next(1, 2 * TargetLength + 1), lengthB = rng.Next(1, 2 * TargetLength + 1);
            if (Math.Max(lengthA, lengthB) <= TargetLength) continue;
            string a = SampleResponse(prompt, rng, lengthA), b = SampleResponse(prompt, rng, lengthB);
            double ga = GoldReward(prompt, a), gb = GoldReward(prompt, b);
            if (ga == gb) continue;
            pairs.Add(ga > gb ? new PreferencePair(prompt, a, b, ga - gb) : new PreferencePair(prompt, b, a, gb - ga));
        }
        return pairs;
    }

    /// <summary>Ranking sets from the training distribution: <paramref name="responses"/> demonstrations per prompt, gold scores.</summary>
    public IReadOnlyList<RankingSet> RankingSets(int count, int responses, int seed)
    {
        var rng = new Random(SeedMix.Derive(seed, 505));
        return Enumerable.Range(0, count).Select(_ =>
        {
            string prompt = SamplePrompt(rng);
            var texts = Enumerable.Range(0, responses).Select(_ => SampleResponse(prompt, rng)).ToArray();
            return new RankingSet(prompt, texts, texts.Select(t => GoldReward(prompt, t)).ToArray());
        }).ToArray();
    }

    static string Letters(string prompt)
    {
        int colon = prompt.IndexOf(':');
        return colon < 0 ? prompt : prompt[..colon];
    }
}
