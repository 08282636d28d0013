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
    public string SampleResponse(string prompt, Random rng)
    {
        string letters = Letters(prompt);
        int length = rng.Next(1, TargetLength + 1);
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
    /// Returns the pairs and how many were flipped.
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
            pairs.Add(aWins ? new PreferencePair(prompt, a, b) : new PreferencePair(prompt, b, a));
        }
        return (pairs, flipped);
    }

    static string Letters(string prompt)
    {
        int colon = prompt.IndexOf(':');
        return colon < 0 ? prompt : prompt[..colon];
    }
}
