using RlhfPlatform.Modeling.Tokenization;

namespace RlhfPlatform.Training.Data;

/// <summary>
/// Text pairs → token ids that fit <see cref="MaxLength"/> (BOS + prompt + response + EOS). When a
/// pair is too long, the prompt is cut from the LEFT (its oldest tokens go; BOS stays) so that the
/// longer response fits. A response is never cut: a response that cannot fit even with an empty
/// prompt is a data error.
/// </summary>
public sealed class PairEncoder(ITokenizer tokenizer, int maxLength)
{
    public int MaxLength => maxLength;

    public TokenizedPair Encode(PreferencePair pair, DataLoadReport? report = null)
    {
        var chosen = Tokenize.Response(tokenizer, pair.Chosen);
        var rejected = Tokenize.Response(tokenizer, pair.Rejected);
        var prompt = FitPrompt(Tokenize.Prompt(tokenizer, pair.Prompt), Math.Max(chosen.Length, rejected.Length), pair.Source, report);
        return new TokenizedPair(prompt, chosen, rejected, pair.Margin);
    }

    /// <summary>One prompt + response, for scoring.</summary>
    public (int[] Prompt, int[] Response) Encode(string prompt, string response, string? source = null, DataLoadReport? report = null)
    {
        var ids = Tokenize.Response(tokenizer, response);
        return (FitPrompt(Tokenize.Prompt(tokenizer, prompt), ids.Length, source, report), ids);
    }

    /// <summary>Encodes every pair; an unfit pair throws, or with skipInvalid is counted and left out.</summary>
    public IReadOnlyList<TokenizedPair> EncodeAll(IReadOnlyList<PreferencePair> pairs, DataLoadReport report, bool skipInvalid = false)
    {
        var encoded = new List<TokenizedPair>(pairs.Count);
        foreach (var pair in pairs)
        {
            try
            {
                encoded.Add(Encode(pair, report));
            }
            catch (DataFormatException e) when (skipInvalid)
            {
                report.SkippedInvalid++;
                report.Warn(e.Message);
            }
        }
        return encoded;
    }

    int[] FitPrompt(int[] prompt, int responseTokens, string? source, DataLoadReport? report)
    {
        int room = maxLength - responseTokens;
        if (room < 1)
            throw new DataFormatException($"{source ?? "record"}: field 'response' has {responseTokens} tokens, more than max length {maxLength} leaves after BOS; responses are never truncated (raise the max length or drop the record)");
        if (prompt.Length <= room) return prompt;
        if (report != null) report.PromptsTruncated++;
        return [prompt[0], .. prompt[^(room - 1)..]];
    }
}
