using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf tokenize --model DIR (--text TEXT | --file F.jsonl) [--chat] [--json]`: the token ids a model
/// folder's tokenizer gives. Plain text gets the tokenizer's special tokens (BOS for Llama 2 / Gemma);
/// a conversation is rendered by the chat template and encoded as rendered. --chat makes plain text one
/// user turn (with the generation prompt) and prints the rendered text too.
/// </summary>
public static class TokenizeCommand
{
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var modelOption = new Option<string>("--model") { Description = "Model or tokenizer folder (tokenizer.json / tokenizer.model, tokenizer_config.json)", Required = true };
        var textOption = new Option<string>("--text") { Description = "Text to tokenize" };
        var fileOption = new Option<string>("--file") { Description = "JSONL: {\"text\"} or {\"messages\", \"add_generation_prompt\"} per line" };
        var chatOption = new Option<bool>("--chat") { Description = "Render text as a user turn with the chat template; print the rendered text" };
        var jsonOption = new Option<bool>("--json") { Description = "One JSON object per input line" };
        var command = new Command("tokenize", "Show the token ids (and rendered chat) a model's tokenizer gives")
        {
            modelOption, textOption, fileOption, chatOption, jsonOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () =>
        {
            string? text = result.GetValue(textOption), file = result.GetValue(fileOption);
            if (text is null == file is null) throw new ArgumentException("give exactly one of --text and --file");
            var inputs = text is not null ? [new TokenizeInput(0, text, null, AddGenerationPrompt: true)] : TokenizeInputs.ReadFile(file!);
            var tokenizer = TokenizerFiles.Load(Path.GetFullPath(result.GetValue(modelOption)!));
            bool chat = result.GetValue(chatOption), json = result.GetValue(jsonOption);
            foreach (var input in inputs) Print(input, Tokenize(tokenizer, input, chat), json, inputs.Count > 1);
            return Task.FromResult(0);
        }));
        return command;
    }

    static (int[] Ids, string? Rendered) Tokenize(ITokenizer tokenizer, TokenizeInput input, bool chat)
    {
        var messages = input.Messages ?? (chat ? [new ChatMessage("user", input.Text!)] : null);
        if (messages is null) return (tokenizer.EncodeWithSpecialTokens(input.Text!), null);
        var template = tokenizer.ChatTemplate
            ?? throw new ArgumentException($"the {tokenizer.Kind} tokenizer of this model has no chat template (tokenizer_config.json's chat_template)");
        string rendered = template.Render(messages, input.AddGenerationPrompt, tokenizer.BosToken, tokenizer.EosToken);
        return (tokenizer.Encode(rendered), rendered);
    }

    static void Print(TokenizeInput input, (int[] Ids, string? Rendered) result, bool json, bool numbered)
    {
        if (json)
        {
            object line = result.Rendered is null
                ? new { line = input.Line, count = result.Ids.Length, ids = result.Ids }
                : new { line = input.Line, count = result.Ids.Length, ids = result.Ids, text = result.Rendered };
            Console.WriteLine(JsonSerializer.Serialize(line, Json));
            return;
        }
        string prefix = numbered ? $"line {input.Line}: " : "";
        if (result.Rendered is not null) Console.WriteLine($"{prefix}text: {JsonSerializer.Serialize(result.Rendered, Json)}");
        Console.WriteLine($"{prefix}{result.Ids.Length} tokens: {string.Join(' ', result.Ids)}");
    }
}
