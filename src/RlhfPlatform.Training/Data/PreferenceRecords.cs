using System.Text.Json.Nodes;

namespace RlhfPlatform.Training.Data;

/// <summary>
/// One JSONL record of any format of METHODS.md → preference pairs and/or a ranking set, as text:
///   pairs          {"prompt", "chosen", "rejected", "margin"?}; each of the three a string or a message list.
///                  With message lists and no prompt, the prompt is the shared history (all but the last message).
///   rated pairs    {"conv_A", "conv_B", "conv_A_rating", "conv_B_rating"}: message lists with the same history;
///                  the higher rating is chosen, margin = |rating difference|; equal ratings give no pair (counted as ties).
///   multiple choice {"input", "targets": {"choices": [...], "labels": [...]}}: each correct choice (label 1) against each other.
///   ranking sets   {"prompt", "responses": [...], "scores": [...]}: kept as a set (Kendall τ) and expanded into pairs.
/// Strings are used as they are; message lists go through the chat template.
/// </summary>
public sealed class PreferenceRecords(IChatTemplate template)
{
    public (IReadOnlyList<PreferencePair> Pairs, RankingSet? Ranking) Parse(JsonObject record, string where, DataLoadReport report)
    {
        var fields = new JsonFields(record, where);
        if (fields.Has("chosen") || fields.Has("rejected")) return ([ChosenRejected(fields)], null);
        if (fields.Has("conv_A") || fields.Has("conv_B")) return (Rated(fields, report), null);
        if (fields.Has("targets") || fields.Has("input")) return (MultipleChoice(fields), null);
        if (fields.Has("responses") || fields.Has("scores"))
        {
            var ranking = Ranking(fields);
            return (ranking.Pairs().ToArray(), ranking);
        }
        throw new DataFormatException($"{where}: no known record format (expected chosen/rejected, conv_A/conv_B, input/targets or prompt/responses/scores)");
    }

    PreferencePair ChosenRejected(JsonFields f)
    {
        double? margin = f.OptionalNumber("margin");
        bool messages = f.IsMessageList("chosen") || f.IsMessageList("rejected");
        if (!messages) return new PreferencePair(f.Has("prompt") ? PromptText(f) : "", f.String("chosen"), f.String("rejected"), margin, f.Where);

        var chosen = f.Messages("chosen");
        var rejected = f.Messages("rejected");
        if (f.Has("prompt"))
        {
            var history = f.IsMessageList("prompt") ? f.Messages("prompt") : [new ChatMessage("user", f.String("prompt"))];
            return new PreferencePair(template.RenderPrompt(history, chosen[0].Role), template.RenderResponse(history, chosen),
                template.RenderResponse(history, rejected), margin, f.Where);
        }
        // Implicit prompt: chosen and rejected are whole conversations sharing everything but the last message.
        var (prompt, chosenReply, rejectedReply) = SplitSharedHistory(f, "chosen", chosen, "rejected", rejected);
        return new PreferencePair(prompt, chosenReply, rejectedReply, margin, f.Where);
    }

    IReadOnlyList<PreferencePair> Rated(JsonFields f, DataLoadReport report)
    {
        var a = f.Messages("conv_A");
        var b = f.Messages("conv_B");
        double ratingA = f.Number("conv_A_rating"), ratingB = f.Number("conv_B_rating");
        var (prompt, replyA, replyB) = SplitSharedHistory(f, "conv_A", a, "conv_B", b);
        if (ratingA == ratingB)
        {
            report.Ties++;
            return [];
        }
        bool aWins = ratingA > ratingB;
        return [new PreferencePair(prompt, aWins ? replyA : replyB, aWins ? replyB : replyA, Math.Abs(ratingA - ratingB), f.Where)];
    }

    IReadOnlyList<PreferencePair> MultipleChoice(JsonFields f)
    {
        string input = f.String("input");
        var targets = new JsonFields(f.Object("targets"), f.Where);
        var choices = targets.Array("choices");
        var labels = targets.Array("labels");
        if (choices.Count != labels.Count) throw f.Error("targets.labels", $"has {labels.Count} entries but targets.choices has {choices.Count}");
        if (choices.Count < 2) throw f.Error("targets.choices", "needs at least two choices");
        var texts = choices.Select((c, i) => c is JsonValue v && v.TryGetValue(out string? s) ? s : throw f.Error($"targets.choices[{i}]", "must be a string")).ToArray();
        var correct = labels.Select((l, i) => l is JsonValue v && v.TryGetValue(out double d) ? d > 0 : throw f.Error($"targets.labels[{i}]", "must be a number")).ToArray();
        if (!correct.Any(c => c)) throw f.Error("targets.labels", "marks no choice as correct (label 1)");
        var pairs = new List<PreferencePair>();
        for (int i = 0; i < texts.Length; i++)
            for (int j = 0; j < texts.Length; j++)
                if (correct[i] && !correct[j]) pairs.Add(new PreferencePair(input, texts[i], texts[j], null, f.Where));
        return pairs;
    }

    RankingSet Ranking(JsonFields f)
    {
        var responses = f.Array("responses");
        var scores = f.Array("scores");
        if (responses.Count != scores.Count) throw f.Error("scores", $"has {scores.Count} entries but responses has {responses.Count}");
        if (responses.Count < 2) throw f.Error("responses", "needs at least two responses");
        var texts = responses.Select((r, i) => r is JsonValue v && v.TryGetValue(out string? s) ? s : throw f.Error($"responses[{i}]", "must be a string")).ToArray();
        var values = scores.Select((s, i) => s is JsonValue v && v.TryGetValue(out double d) ? d : throw f.Error($"scores[{i}]", "must be a number")).ToArray();
        return new RankingSet(PromptText(f), texts, values, f.Where);
    }

    string PromptText(JsonFields f) => f.IsMessageList("prompt")
        ? template.RenderPrompt(f.Messages("prompt"), "assistant")
        : f.String("prompt");

    (string Prompt, string A, string B) SplitSharedHistory(JsonFields f, string nameA, IReadOnlyList<ChatMessage> a, string nameB, IReadOnlyList<ChatMessage> b)
    {
        var historyA = a.Take(a.Count - 1).ToArray();
        var historyB = b.Take(b.Count - 1).ToArray();
        if (!historyA.SequenceEqual(historyB))
            throw f.Error(nameB, $"must share all but its last message with {nameA}");
        string prompt = template.RenderPrompt(historyA, a[^1].Role);
        return (prompt, template.RenderResponse(historyA, [a[^1]]), template.RenderResponse(historyA, [b[^1]]));
    }
}
