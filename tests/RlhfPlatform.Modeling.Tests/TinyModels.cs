using RlhfPlatform.Modeling.Tokenization;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

static class TinyModels
{
    public static readonly ByteTokenizer Tokenizer = new();

    public static ModelConfig Config(string rewardHead = "none", int kvHeads = 2) => ModelConfig.Small(
        Tokenizer.VocabSize, dim: 32, layers: 2, heads: 4, maxPositions: 64,
        bos: Tokenizer.BosId, eos: Tokenizer.EosId, pad: Tokenizer.PadId) with { NumKvHeads = kvHeads, RewardHead = rewardHead };

    public static CausalLm Policy(int seed = 1)
    {
        manual_seed(seed);
        return new CausalLm(Config());
    }

    public static int[] Prompt(string text) => [Tokenizer.BosId, .. Tokenizer.Encode(text)];
}
