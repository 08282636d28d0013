using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>
/// A Hugging Face tokenizer.json (byte-level BPE: Qwen2/Qwen3, Llama 3; SentencePiece-style BPE with
/// byte fallback: Llama 2, Mistral, Gemma) behind <see cref="ITokenizer"/>, encoding as the reference
/// implementation does. <see cref="SourceFiles"/> are copied into checkpoint folders.
/// </summary>
public sealed class HfTokenizer(TokenizerPipeline pipeline, SpecialTokens specials, SequenceTemplate template,
    ChatTemplate? chatTemplate, IReadOnlyList<string> sourceFiles) : ITokenizer
{
    public string Kind => pipeline.IsByteLevel ? "bpe" : "sentencepiece";
    public int VocabSize => pipeline.VocabSize;
    public int BosId => specials.BosId;
    public int EosId => specials.EosId;
    public int PadId => specials.PadId;
    public string? BosToken => specials.BosToken;
    public string? EosToken => specials.EosToken;
    public ChatTemplate? ChatTemplate => chatTemplate;
    public IReadOnlyList<string> SourceFiles => sourceFiles;
    public TokenizerPipeline Pipeline => pipeline;
    public SequenceTemplate Template => template;

    public int[] Encode(string text) => pipeline.Encode(text);

    public int[] EncodeWithSpecialTokens(string text) => template.Apply(pipeline.Encode(text));

    public string Decode(IEnumerable<int> ids) => pipeline.Decode(ids, specials.SkippedWhenDecoding);
}
