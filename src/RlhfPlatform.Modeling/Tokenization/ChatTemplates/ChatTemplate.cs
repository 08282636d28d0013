namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

/// <summary>One turn of a conversation.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>The template called raise_exception: the conversation is not one the model accepts (roles out of order, say).</summary>
public sealed class ChatTemplateRaisedException(string message) : ArgumentException($"the chat template rejects the conversation: {message}");

/// <summary>
/// A tokenizer_config.json chat_template (Jinja), parsed once and rendered per conversation. The
/// renderer implements the Jinja subset real chat templates use (see <see cref="TemplateParser"/>)
/// with HF's settings (trim_blocks, lstrip_blocks, raise_exception, strftime_now, tojson); a
/// template using anything else fails to parse with an error naming it.
/// </summary>
public sealed class ChatTemplate
{
    readonly IReadOnlyList<Node> nodes;

    ChatTemplate(string source, IReadOnlyList<Node> nodes)
    {
        Source = source;
        this.nodes = nodes;
    }

    public string Source { get; }

    /// <exception cref="InvalidDataException">the template is not valid in the supported subset</exception>
    public static ChatTemplate Parse(string source) => new(source, TemplateParser.Parse(source));

    /// <param name="extraVariables">more variables for the template (tools, documents, date_string ...), as JSON-like .NET data</param>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string? bosToken, string? eosToken,
        IReadOnlyDictionary<string, object?>? extraVariables = null, Func<DateTime>? now = null)
    {
        var globals = new Dictionary<string, object?>(TemplateBuiltins.Globals(now ?? (() => DateTime.Now)))
        {
            ["messages"] = messages.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = bosToken ?? "",
            ["eos_token"] = eosToken ?? "",
        };
        foreach (var (name, value) in extraVariables ?? new Dictionary<string, object?>()) globals[name] = TemplateValues.From(value);
        return TemplateRenderer.Render(nodes, globals);
    }
}
