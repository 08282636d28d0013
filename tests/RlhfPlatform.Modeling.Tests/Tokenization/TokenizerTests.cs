using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tests.Tokenization;

public sealed class TokenizerTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-tok-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ByteLevelBpeAppliesMergesAndRoundTrips(bool mergesAsPairs)
    {
        TinyBpeFolder.Write(folder, mergesAsPairs);
        var tokenizer = TokenizerFiles.Load(folder);
        var vocab = TinyBpeFolder.Vocab();
        Assert.Equal("bpe", tokenizer.Kind);
        Assert.Equal([vocab["Ġthe"]], tokenizer.Encode(" the"));
        Assert.Equal([vocab["hello"], vocab["Ġthe"]], tokenizer.Encode("hello the"));
        foreach (string text in new[] { "hello the world", "Grüße, wörld! 😀 x\n\n  two  spaces\ttab", "" })
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void SpecialTokensAreSingleIdsAndSkippedWhenDecoding()
    {
        TinyBpeFolder.Write(folder);
        var tokenizer = TokenizerFiles.Load(folder);
        Assert.Equal(TinyBpeFolder.ImEnd, tokenizer.EosId);
        Assert.Equal(TinyBpeFolder.EndOfText, tokenizer.PadId);
        Assert.Equal(TinyBpeFolder.EndOfText, tokenizer.BosId);
        Assert.Equal("<|im_end|>", tokenizer.EosToken);
        Assert.Equal(303 + 0, tokenizer.VocabSize);

        int[] ids = tokenizer.Encode("<|im_start|>user\nhello<|im_end|>\n");
        Assert.Equal(TinyBpeFolder.ImStart, ids[0]);
        Assert.Single(ids, TinyBpeFolder.ImStart);
        Assert.Single(ids, TinyBpeFolder.ImEnd);
        Assert.Contains(TinyBpeFolder.Vocab()["hello"], ids);
        Assert.Equal("user\nhello\n", tokenizer.Decode(ids));
    }

    [Fact]
    public void ChatTemplateComesWithTheTokenizerAndEncodesToSpecialIds()
    {
        TinyBpeFolder.Write(folder);
        var tokenizer = TokenizerFiles.Load(folder);
        string prompt = tokenizer.ChatTemplate!.Render([new ChatMessage("user", "hello")], addGenerationPrompt: true, tokenizer.BosToken, tokenizer.EosToken);
        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n", prompt);
        Assert.Equal(3, tokenizer.Encode(prompt).Count(id => id == TinyBpeFolder.ImStart));
    }

    [Fact]
    public void SavedCheckpointCarriesTheTokenizerFiles()
    {
        TinyBpeFolder.Write(folder);
        var tokenizer = TokenizerFiles.Load(folder);
        string copy = Path.Combine(folder, "copy");
        TokenizerFiles.Save(tokenizer, copy);
        File.Copy(Path.Combine(folder, "config.json"), Path.Combine(copy, "config.json"));
        var reloaded = TokenizerFiles.Load(copy);
        Assert.Equal(tokenizer.Encode("hello <|im_end|>"), reloaded.Encode("hello <|im_end|>"));
        Assert.Equal(tokenizer.ChatTemplate!.Source, reloaded.ChatTemplate!.Source);
    }

    [Fact]
    public void Cl100kBaseRoundTripsAndKnowsItsSpecialToken()
    {
        var tokenizer = TiktokenTokenizers.Create(TiktokenTokenizers.Cl100kBase);
        Assert.Equal([15339, 1917], tokenizer.Encode("hello world"));
        Assert.Equal([100257], tokenizer.Encode("<|endoftext|>"));
        Assert.Equal(100257, tokenizer.EosId);
        string text = "Tokenizers: ünïcödé, emoji 🤖 and code `x += 1;`";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));

        TokenizerFiles.Save(tokenizer, folder);
        var reloaded = TokenizerFiles.Load(folder);
        Assert.Equal("tiktoken", reloaded.Kind);
        Assert.Equal(tokenizer.Encode(text), reloaded.Encode(text));
    }

    [Fact]
    public void ByteTokenizerStillLoadsFromItsMarker()
    {
        TokenizerFiles.Save(new ByteTokenizer(), folder);
        var tokenizer = TokenizerFiles.Load(folder);
        Assert.IsType<ByteTokenizer>(tokenizer);
        Assert.Equal("héllo", tokenizer.Decode(tokenizer.Encode("héllo")));
    }

    [Fact]
    public void UnsupportedTokenizerJsonIsNamed()
    {
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), """{ "model": { "type": "WordPiece", "vocab": {} } }""");
        var error = Assert.Throws<InvalidDataException>(() => TokenizerFiles.Load(folder));
        Assert.Contains("WordPiece", error.Message);
    }

    [Fact]
    public void FolderWithoutTokenizerSaysWhatItLookedFor()
    {
        var error = Assert.Throws<FileNotFoundException>(() => TokenizerFiles.Load(folder));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("tokenizer.model", error.Message);
    }
}
