namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>Text ↔ token ids, with the special ids the models need.</summary>
public interface ITokenizer
{
    /// <summary>Name written to tokenizer_config.json so a checkpoint can be reloaded with the same tokenizer.</summary>
    string Kind { get; }
    int VocabSize { get; }
    int BosId { get; }
    int EosId { get; }
    int PadId { get; }

    /// <summary>Ids of the text, without BOS/EOS.</summary>
    int[] Encode(string text);

    /// <summary>Text of the ids; special ids are skipped.</summary>
    string Decode(IEnumerable<int> ids);
}
