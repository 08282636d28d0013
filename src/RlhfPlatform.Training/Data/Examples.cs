namespace RlhfPlatform.Training.Data;

/// <summary>A prompt and a demonstration response (SFT data).</summary>
public sealed record Demonstration(string Prompt, string Response);

/// <summary>
/// A prompt with a preferred and a dispreferred response (reward-model data), as rendered text.
/// Margin: optional strength of the preference (e.g. |rating_A - rating_B|). Source: "file:line" for messages.
/// </summary>
public sealed record PreferencePair(string Prompt, string Chosen, string Rejected, double? Margin = null, string? Source = null)
{
    public PreferencePair Flipped() => this with { Chosen = Rejected, Rejected = Chosen };
}

/// <summary>Several responses to one prompt with gold scores (higher is better).</summary>
public sealed record RankingSet(string Prompt, IReadOnlyList<string> Responses, IReadOnlyList<double> Scores, string? Source = null)
{
    /// <summary>Every pair of responses with different scores, the higher-scored one chosen; margin = score difference.</summary>
    public IEnumerable<PreferencePair> Pairs()
    {
        for (int i = 0; i < Responses.Count; i++)
            for (int j = i + 1; j < Responses.Count; j++)
            {
                if (Scores[i] == Scores[j]) continue;
                bool iWins = Scores[i] > Scores[j];
                yield return new PreferencePair(Prompt, iWins ? Responses[i] : Responses[j], iWins ? Responses[j] : Responses[i],
                    Math.Abs(Scores[i] - Scores[j]), Source);
            }
    }
}

/// <summary>One chat message (the TRL/OpenRLHF {"role", "content"} convention).</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>Token ids of a prompt (starting with BOS) and a response (ending with EOS).</summary>
public sealed record TokenizedResponse(int[] Prompt, int[] Response);

public sealed record TokenizedPair(int[] Prompt, int[] Chosen, int[] Rejected, double? Margin = null);
