using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Environments;

/// <summary>
/// A gold reward-model folder (one model or an ensemble) judging the policy's token ids. When the gold
/// model's tokenizer is the policy's, ids go in as they are; otherwise the text is decoded and encoded
/// again with the gold tokenizer (special tokens such as chat markup do not survive that trip).
/// Prompts too long for the gold model's context are cut from the left, keeping BOS.
/// </summary>
public sealed class RewardModelJudge : IRewardSource, IDisposable
{
    const string Probe = "The judge's tokenizer check: 12 345, ünïcode, \t tabs.";
    readonly TrainedRewardModel gold;
    readonly ITokenizer policyTokenizer;
    readonly bool sameTokenizer;

    public RewardModelJudge(TrainedRewardModel gold, ITokenizer policyTokenizer)
    {
        this.gold = gold;
        this.policyTokenizer = policyTokenizer;
        var t = gold.Tokenizer;
        sameTokenizer = t.Kind == policyTokenizer.Kind && t.VocabSize == policyTokenizer.VocabSize && t.BosId == policyTokenizer.BosId
            && t.EosId == policyTokenizer.EosId && t.Encode(Probe).SequenceEqual(policyTokenizer.Encode(Probe));
    }

    public static RewardModelJudge Load(string folder, ITokenizer policyTokenizer) => new(RewardModelFolder.Load(folder), policyTokenizer);

    public bool SharesTokenizer => sameTokenizer;

    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        if (prompts.Count != responses.Count) throw new ArgumentException($"{prompts.Count} prompts but {responses.Count} responses");
        int context = gold.Config.MaxPositions;
        var fitted = new int[prompts.Count][];
        var replies = new int[prompts.Count][];
        for (int i = 0; i < prompts.Count; i++)
        {
            (int[] prompt, int[] response) = sameTokenizer ? (prompts[i], responses[i]) : Reencode(prompts[i], responses[i]);
            if (response.Length >= context) response = response[..(context - 1)];
            int room = context - response.Length;
            fitted[i] = prompt.Length <= room ? prompt : [prompt[0], .. prompt[^(room - 1)..]];
            replies[i] = response;
        }
        return gold.Score(fitted, replies);
    }

    (int[] Prompt, int[] Response) Reencode(int[] prompt, int[] response)
    {
        bool endedWithEos = response.Length > 0 && response[^1] == policyTokenizer.EosId;
        string responseText = policyTokenizer.Decode(response);
        int[] ids = gold.Tokenizer.Encode(responseText);
        return (Tokenize.Prompt(gold.Tokenizer, policyTokenizer.Decode(prompt)), endedWithEos ? [.. ids, gold.Tokenizer.EosId] : ids);
    }

    public void Dispose() => gold.Dispose();
}
