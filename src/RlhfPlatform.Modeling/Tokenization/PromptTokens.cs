using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>The token ids a model is prompted with, from plain text or from a one-turn chat.</summary>
public static class PromptTokens
{
    /// <summary>
    /// Plain text gets BOS in front when the tokenizer has one (as HF's add_bos_token does for Llama;
    /// Qwen2 has none); a chat is rendered by the tokenizer's chat template, which writes its own BOS.
    /// </summary>
    public static int[] Build(ITokenizer tokenizer, string text, bool chat)
    {
        if (chat)
        {
            var template = tokenizer.ChatTemplate
                ?? throw new ArgumentException($"the {tokenizer.Kind} tokenizer of this model has no chat template (tokenizer_config.json's chat_template)");
            string rendered = template.Render([new ChatMessage("user", text)], addGenerationPrompt: true, tokenizer.BosToken, tokenizer.EosToken);
            return tokenizer.Encode(rendered);
        }
        bool addsBos = tokenizer is ByteTokenizer || tokenizer.BosToken is not null;
        int[] ids = tokenizer.Encode(text);
        return addsBos || ids.Length == 0 ? [tokenizer.BosId, .. ids] : ids;
    }
}
