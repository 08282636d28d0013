using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Tests;

public class RewardSourceTests
{
    static readonly ByteTokenizer Tokenizer = new();
    static readonly int[][] Prompts = [[Tokenizer.BosId, 'a', ':'], [Tokenizer.BosId, 'b', ':']];
    static readonly int[][] Responses = [[.. Tokenizer.Encode("aaa"), Tokenizer.EosId], Tokenizer.Encode("b")];

    [Fact]
    public void TextSourceScoresDecodedPromptAndResponse()
    {
        var source = new TextRewardSource(Tokenizer, (prompt, response) => prompt.Length * 10 + response.Length);
        Assert.Equal([23f, 21f], source.Score(Prompts, Responses));
    }

    [Fact]
    public void EnsembleTakesTheMeanOrTheMin()
    {
        var length = new TextRewardSource(Tokenizer, (_, r) => r.Length);          // 3, 1
        var shortness = new TextRewardSource(Tokenizer, (_, r) => 10 - 2 * r.Length); // 4, 8
        Assert.Equal([3.5f, 4.5f], new EnsembleRewardSource([length, shortness], EnsembleReduction.Mean).Score(Prompts, Responses));
        Assert.Equal([3f, 1f], new EnsembleRewardSource([length, shortness], EnsembleReduction.Min).Score(Prompts, Responses));
    }

    [Fact]
    public void ShapingClipsThenPenalisesLength()
    {
        // clip(2) = 1, minus 0.1·4 tokens = 0.6;  clip(-0.5) = -0.5, minus 0.1·1 = -0.6
        var shaped = new RewardShaping(Clip: 1, LengthPenalty: 0.1).Apply([2f, -0.5f], Responses, [true, true]);
        Assert.Equal(0.6f, shaped[0], 5);
        Assert.Equal(-0.6f, shaped[1], 5);
    }
}
