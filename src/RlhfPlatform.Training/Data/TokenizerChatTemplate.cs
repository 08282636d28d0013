using RlhfPlatform.Modeling.Tokenization;
using Jinja = RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Training.Data;

/// <summary>
/// A tokenizer's own chat template (tokenizer_config.json) as an <see cref="IChatTemplate"/>: the
/// prompt is the conversation rendered with add_generation_prompt; the response is what rendering the
/// whole conversation adds after it, minus the end-of-turn EOS the template writes (Tokenize adds the EOS id).
/// </summary>
public sealed class TokenizerChatTemplate(ITokenizer tokenizer, Jinja.ChatTemplate template) : IChatTemplate
{
    /// <summary>The tokenizer's template when it has one and <paramref name="useTemplate"/>; else "role: content" lines.</summary>
    public static IChatTemplate For(ITokenizer tokenizer, bool useTemplate = true) =>
        useTemplate && tokenizer.ChatTemplate is { } template ? new TokenizerChatTemplate(tokenizer, template) : new RoleColonChatTemplate();

    public string RenderPrompt(IReadOnlyList<ChatMessage> conversation, string replyRole) => Render(conversation, addGenerationPrompt: true);

    public string RenderResponse(IReadOnlyList<ChatMessage> history, IReadOnlyList<ChatMessage> reply)
    {
        if (reply.Count == 0) throw new ArgumentException("a reply needs at least one message");
        string prompt = RenderPrompt(history, reply[0].Role);
        string full = Render([.. history, .. reply], addGenerationPrompt: false);
        string response = full.StartsWith(prompt, StringComparison.Ordinal)
            ? full[prompt.Length..]
            : string.Join("\n", reply.Select(m => m.Content)); // a template that re-renders history differently (e.g. thinking blocks)
        if (tokenizer.EosToken is { Length: > 0 } eos)
        {
            string trimmed = response.TrimEnd();
            if (trimmed.EndsWith(eos, StringComparison.Ordinal)) response = trimmed[..^eos.Length];
        }
        return response;
    }

    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) => template.Render(
        messages.Select(m => new Jinja.ChatMessage(m.Role, m.Content)).ToArray(), addGenerationPrompt, tokenizer.BosToken, tokenizer.EosToken);
}
