using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tests.Reference;

/// <summary>
/// Our tokenizers and chat-template renderer against the reference implementations (@lenml/tokenizers,
/// @huggingface/jinja) on <see cref="ParityCorpus"/>, for each family. The classes share one collection
/// so that only one family's vocabulary is in memory at a time.
/// </summary>
[Collection(nameof(ParityTests<Qwen3Family>))]
public abstract class ParityTests<TFamily>(TFamily family) where TFamily : ReferenceFamily
{
    static string Label(int i) => $"text {i} {ParityAssert.Show(ParityCorpus.Texts[i].Length > 60 ? ParityCorpus.Texts[i][..60] + "…" : ParityCorpus.Texts[i])}";

    [Fact]
    public void TextsEncodeAsTheReferenceWithoutSpecialTokens()
    {
        var check = new ParityAssert($"{family.Family} ids without special tokens");
        for (int i = 0; i < ParityCorpus.Texts.Length; i++)
            check.Equal(Label(i), ReferenceFamily.Ids(family.Reference["without_special"]![i]), family.Tokenizer.Encode(ParityCorpus.Texts[i]));
        check.Check();
    }

    [Fact]
    public void TextsEncodeAsTheReferenceWithSpecialTokens()
    {
        var check = new ParityAssert($"{family.Family} ids with special tokens");
        for (int i = 0; i < ParityCorpus.Texts.Length; i++)
            check.Equal(Label(i), ReferenceFamily.Ids(family.Reference["with_special"]![i]), family.Tokenizer.EncodeWithSpecialTokens(ParityCorpus.Texts[i]));
        check.Check();
    }

    [Fact]
    public void IdsDecodeAsTheReference()
    {
        var check = new ParityAssert($"{family.Family} decoding (special tokens skipped)");
        for (int i = 0; i < ParityCorpus.Texts.Length; i++)
        {
            var ids = ReferenceFamily.Ids(family.Reference["without_special"]![i]);
            check.Equal(Label(i), family.Reference["decoded"]![i]!.GetValue<string>(), family.Tokenizer.Decode(ids));
        }
        check.Check();
    }

    [Fact]
    public void ChatsRenderAndEncodeAsTheReference()
    {
        var template = family.Template ?? throw new InvalidOperationException($"{family.Family} has no chat template");
        var check = new ParityAssert($"{family.Family} chat template");
        Assert.Equal(ParityCorpus.Chats.Length, family.Reference["rendered"]!.AsArray().Count);
        Assert.Contains(family.Reference["rendered"]!.AsArray(), r => r!["text"] is not null);
        for (int i = 0; i < ParityCorpus.Chats.Length; i++)
        {
            var chat = ParityCorpus.Chats[i];
            var reference = family.Reference["rendered"]![i]!.AsObject();
            string? ours, error = null;
            try
            {
                ours = template.Render(chat.Messages, chat.AddGenerationPrompt, family.Tokenizer.BosToken, family.Tokenizer.EosToken);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                ours = null;
                error = e.Message;
            }
            string label = $"chat {i} ({chat.Name})";
            if (reference["error"] is { } referenceError)
            {
                if (ours is not null) check.Fail(label, $"the reference raised ({referenceError}) but we rendered {ParityAssert.Show(ours)}");
                else if (error is not null && !error.StartsWith("the chat template rejects", StringComparison.Ordinal))
                    check.Fail(label, $"the reference raised ({referenceError}) but our error is not the template's own: {error}");
                continue;
            }
            if (ours is null)
            {
                check.Fail(label, $"we failed ({error}) but the reference rendered {ParityAssert.Show(reference["text"]!.GetValue<string>())}");
                continue;
            }
            check.Equal(label, reference["text"]!.GetValue<string>(), ours);
            check.Equal(label + " ids", ReferenceFamily.Ids(family.Reference["rendered_ids"]![i]), family.Tokenizer.Encode(ours));
        }
        check.Check();
    }
}

public sealed class Qwen3ParityTests(Qwen3Family family) : ParityTests<Qwen3Family>(family), IClassFixture<Qwen3Family>;
public sealed class Llama3ParityTests(Llama3Family family) : ParityTests<Llama3Family>(family), IClassFixture<Llama3Family>;
public sealed class Gemma3ParityTests(Gemma3Family family) : ParityTests<Gemma3Family>(family), IClassFixture<Gemma3Family>;
public sealed class Llama2MistralParityTests(Llama2MistralFamily family) : ParityTests<Llama2MistralFamily>(family), IClassFixture<Llama2MistralFamily>;
public sealed class MistralSystemParityTests(MistralSystemFamily family) : ParityTests<MistralSystemFamily>(family), IClassFixture<MistralSystemFamily>;
