using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Training.Evaluation;

/// <summary>One response set of a ranking record, encoded: the same prompt for every response, gold scores.</summary>
public sealed record EncodedRanking(int[][] Prompts, int[][] Responses, double[] Scores);

/// <summary>A named evaluation set (ID or OOD): encoded pairs, and ranking sets where the file has them.</summary>
public sealed record PreferenceEvalSet(string Name, IReadOnlyList<TokenizedPair> Pairs, IReadOnlyList<EncodedRanking> Rankings, DataLoadReport Report)
{
    public static PreferenceEvalSet Load(string name, string path, PairEncoder encoder, bool skipInvalid = false)
    {
        var data = PreferenceFiles.Read(path, skipInvalid);
        return FromData(name, data, encoder, skipInvalid);
    }

    public static PreferenceEvalSet FromData(string name, PreferenceData data, PairEncoder encoder, bool skipInvalid = false)
    {
        var pairs = encoder.EncodeAll(data.Pairs, data.Report, skipInvalid);
        var rankings = data.Rankings.Select(r =>
        {
            var encoded = r.Responses.Select(response => encoder.Encode(r.Prompt, response, r.Source)).ToArray();
            return new EncodedRanking(encoded.Select(e => e.Prompt).ToArray(), encoded.Select(e => e.Response).ToArray(), r.Scores.ToArray());
        }).ToArray();
        return new PreferenceEvalSet(name, pairs, rankings, data.Report);
    }
}
