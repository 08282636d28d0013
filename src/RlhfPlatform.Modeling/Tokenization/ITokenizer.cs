namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>Text ↔ token ids, with the special tokens the models and chat templates need.</summary>
public interface ITokenizer
{
    /// <summary>What kind of tokenizer this is ("byte", "bpe" for byte-level BPE, "sentencepiece" for SentencePiece models and SentencePiece-style tokenizer.json, "tiktoken"); the byte and tiktoken kinds are written to tokenizer_config.json.</summary>
    string Kind { get; }
    int VocabSize { get; }
    int BosId { get; }
    int EosId { get; }
    int PadId { get; }

    /// <summary>Ids of the text, without an added BOS/EOS. Special tokens written in the text (e.g. "&lt;|im_end|&gt;") become their single ids.</summary>
    int[] Encode(string text);

    /// <summary>
    /// Ids of the text with the special tokens the tokenizer puts around a sequence (HF's
    /// add_special_tokens=True): for a tokenizer.json, its post_processor and tokenizer_config.json's
    /// add_bos_token / add_eos_token; the other kinds put BOS in front.
    /// </summary>
    int[] EncodeWithSpecialTokens(string text) => [BosId, .. Encode(text)];

    /// <summary>Text of the ids; special ids are skipped.</summary>
    string Decode(IEnumerable<int> ids);

    /// <summary>Text of the BOS/EOS tokens as chat templates write them (null when the tokenizer has none).</summary>
    string? BosToken => null;
    string? EosToken => null;

    /// <summary>The files the tokenizer was read from (copied into a checkpoint folder when a model is saved); none for built-in tokenizers.</summary>
    IReadOnlyList<string> SourceFiles => [];

    /// <summary>The tokenizer's chat template (tokenizer_config.json's chat_template), if it has one.</summary>
    ChatTemplates.ChatTemplate? ChatTemplate => null;
}
