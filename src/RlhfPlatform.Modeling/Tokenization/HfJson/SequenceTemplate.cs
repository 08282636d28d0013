namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>
/// The ids put around one encoded sequence when special tokens are added: tokenizer.json's
/// TemplateProcessing "single" template (BOS in front for Llama 2 and Gemma; nothing for a null,
/// ByteLevel or absent post_processor: Qwen, this Llama 3 file). tokenizer_config.json's
/// add_bos_token / add_eos_token, when given, decide whether BOS / EOS are there, as HF's Llama and
/// Gemma tokenizers rebuild their template from them.
/// </summary>
public sealed record SequenceTemplate(IReadOnlyList<int> Prefix, IReadOnlyList<int> Suffix)
{
    public static readonly SequenceTemplate None = new([], []);

    public int[] Apply(IReadOnlyList<int> ids) => [.. Prefix, .. ids, .. Suffix];

    /// <param name="bos">BOS id, when the tokenizer has one</param>
    public SequenceTemplate WithFlags(bool? addBos, bool? addEos, int? bos, int? eos)
    {
        var prefix = Prefix.ToList();
        var suffix = Suffix.ToList();
        if (addBos is { } wantsBos && bos is { } bosId)
        {
            if (wantsBos && (prefix.Count == 0 || prefix[0] != bosId)) prefix.Insert(0, bosId);
            if (!wantsBos) prefix.RemoveAll(id => id == bosId);
        }
        if (addEos is { } wantsEos && eos is { } eosId)
        {
            if (wantsEos && (suffix.Count == 0 || suffix[^1] != eosId)) suffix.Add(eosId);
            if (!wantsEos) suffix.RemoveAll(id => id == eosId);
        }
        return new SequenceTemplate(prefix, suffix);
    }
}
