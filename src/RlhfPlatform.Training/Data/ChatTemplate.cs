namespace RlhfPlatform.Training.Data;

/// <summary>Renders chat messages to the prompt and response text a tokenizer encodes.</summary>
public interface IChatTemplate
{
    /// <summary>The conversation so far, ending with the header of the reply (the "generation prompt").</summary>
    string RenderPrompt(IReadOnlyList<ChatMessage> conversation, string replyRole);

    /// <summary>The reply to <paramref name="history"/>: the text after <see cref="RenderPrompt"/>'s, without a final end-of-turn token (Tokenize adds EOS).</summary>
    string RenderResponse(IReadOnlyList<ChatMessage> history, IReadOnlyList<ChatMessage> reply);
}

/// <summary>
/// The template of tokenizers without one (the byte tokenizer): every message is "role: content\n",
/// and the prompt ends with "{replyRole}: ". A tokenizer with its own chat template plugs in its own
/// <see cref="IChatTemplate"/>.
/// </summary>
public sealed class RoleColonChatTemplate : IChatTemplate
{
    public string RenderPrompt(IReadOnlyList<ChatMessage> conversation, string replyRole) =>
        string.Concat(conversation.Select(Line)) + replyRole + ": ";

    public string RenderResponse(IReadOnlyList<ChatMessage> history, IReadOnlyList<ChatMessage> reply)
    {
        if (reply.Count == 0) throw new ArgumentException("a reply needs at least one message");
        return reply[0].Content + "\n" + string.Concat(reply.Skip(1).Select(Line));
    }

    static string Line(ChatMessage m) => $"{m.Role}: {m.Content}\n";
}
