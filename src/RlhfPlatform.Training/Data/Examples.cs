namespace RlhfPlatform.Training.Data;

/// <summary>A prompt and a demonstration response (SFT data).</summary>
public sealed record Demonstration(string Prompt, string Response);

/// <summary>A prompt with a preferred and a dispreferred response (reward-model data).</summary>
public sealed record PreferencePair(string Prompt, string Chosen, string Rejected);

/// <summary>Token ids of a prompt (starting with BOS) and a response (ending with EOS).</summary>
public sealed record TokenizedResponse(int[] Prompt, int[] Response);

public sealed record TokenizedPair(int[] Prompt, int[] Chosen, int[] Rejected);
