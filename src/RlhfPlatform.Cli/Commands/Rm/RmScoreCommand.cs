using RlhfPlatform.Modeling;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>
/// `rlhf rm score`: rewards per record, as JSONL. A {"prompt","response"} record gets "reward"; a
/// preference record gets one line per pair with "chosen_reward" and "rejected_reward"; a ranking
/// record gets "rewards" in response order. Every line names its source ("file:line").
/// </summary>
public static class RmScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Reward model folder written by rm train", Required = true };
        var data = new Option<string>("--data") { Description = "JSONL of {prompt, response} or any preference format", Required = true };
        var output = new Option<string?>("--out") { Description = "Write the JSONL here instead of stdout" };
        var aggregate = new Option<string?>("--aggregate") { Description = "Ensemble: mean or min (default: as trained)" };
        var command = new Command("score", "Score responses with a reward model (JSONL out)") { model, data, output, aggregate };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            using var rm = RewardModelFolder.Load(result.GetValue(model)!, result.GetValue(aggregate));
            var lines = Score(rm, result.GetValue(data)!, ct);
            if (result.GetValue(output) is { } path) await File.WriteAllLinesAsync(path, lines, ct);
            else foreach (var line in lines) Console.WriteLine(line);
            return 0;
        }));
        return command;
    }

    static List<string> Score(TrainedRewardModel rm, string path, CancellationToken ct)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {path}", path);
        var encoder = new PairEncoder(rm.Tokenizer, rm.Config.MaxPositions);
        var records = new PreferenceRecords(new RoleColonChatTemplate());
        var report = new DataLoadReport();
        var output = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            ct.ThrowIfCancellationRequested();
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            JsonObject record;
            try { record = JsonNode.Parse(line) as JsonObject ?? throw new DataFormatException($"{where}: expected a JSON object"); }
            catch (JsonException e) { throw new DataFormatException($"{where}: {JsonErrorText.Describe(e)}"); }
            var fields = new JsonFields(record, where);
            if (fields.Has("response"))
            {
                var (prompt, response) = encoder.Encode(fields.Has("prompt") ? fields.String("prompt") : "", fields.String("response"), where);
                output.Add(Line(where, new JsonObject { ["reward"] = rm.Score([prompt], [response])[0] }));
                continue;
            }
            var (pairs, ranking) = records.Parse(record, where, report);
            if (ranking != null)
            {
                var encoded = ranking.Responses.Select(r => encoder.Encode(ranking.Prompt, r, where)).ToArray();
                var rewards = rm.Score(encoded.Select(e => e.Prompt).ToArray(), encoded.Select(e => e.Response).ToArray());
                output.Add(Line(where, new JsonObject { ["rewards"] = new JsonArray(rewards.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()) }));
                continue;
            }
            foreach (var pair in pairs)
            {
                var t = encoder.Encode(pair);
                var rewards = rm.Score([t.Prompt, t.Prompt], [t.Chosen, t.Rejected]);
                output.Add(Line(where, new JsonObject { ["chosen_reward"] = rewards[0], ["rejected_reward"] = rewards[1] }));
            }
        }
        return output;
    }

    static string Line(string where, JsonObject values)
    {
        var line = new JsonObject { ["source"] = where };
        foreach (var (key, value) in values) line[key] = value?.DeepClone();
        return line.ToJsonString();
    }
}
