using RlhfPlatform.Modeling.Tokenization;

namespace RlhfPlatform.Training.Data;

/// <summary>Text to model input: prompts start with BOS, responses end with EOS.</summary>
public static class Tokenize
{
    /// <summary>BOS, then the text's ids; a text that already starts with BOS (a chat template writing bos_token) keeps its one.</summary>
    public static int[] Prompt(ITokenizer tokenizer, string prompt)
    {
        int[] ids = tokenizer.Encode(prompt);
        return ids.Length > 0 && ids[0] == tokenizer.BosId ? ids : [tokenizer.BosId, .. ids];
    }

    public static int[] Response(ITokenizer tokenizer, string response) => [.. tokenizer.Encode(response), tokenizer.EosId];

    public static TokenizedResponse Demonstration(ITokenizer tokenizer, Demonstration demo) =>
        new(Prompt(tokenizer, demo.Prompt), Response(tokenizer, demo.Response));

    public static TokenizedPair Pair(ITokenizer tokenizer, PreferencePair pair) =>
        new(Prompt(tokenizer, pair.Prompt), Response(tokenizer, pair.Chosen), Response(tokenizer, pair.Rejected), pair.Margin);
}
