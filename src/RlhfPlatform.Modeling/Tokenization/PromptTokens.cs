using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>The token ids a model is prompted with, from plain text or from a one-turn chat.</summary>
public static class PromptTokens
{
    /// <summary>
    /// Plain text gets the special tokens the tokenizer adds (HF's add_special_tokens=True: BOS for
    /// Llama 2 and Gemma, nothing for Qwen); a chat is rendered by the tokenizer's chat template, which
    /// writes its own BOS, and encoded without adding any. An empty prompt is BOS alone.
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
        int[] ids = tokenizer.EncodeWithSpecialTokens(text);
        return ids.Length == 0 ? [tokenizer.BosId] : ids;
    }
}
