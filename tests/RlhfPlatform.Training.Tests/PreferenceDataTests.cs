using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Training.Tests;

/// <summary>Every data format of METHODS.md, chat rendering, truncation, malformed records and --skip-invalid.</summary>
public class PreferenceDataTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rm-data-").FullName;

    string File(params string[] lines)
    {
        string path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".jsonl");
        System.IO.File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void StringPairsKeepTheirTextAndMargin()
    {
        var data = PreferenceFiles.Read(File("""{"prompt": "abc:", "chosen": "aab", "rejected": "z", "margin": 1.5}"""));
        var pair = Assert.Single(data.Pairs);
        Assert.Equal(("abc:", "aab", "z", 1.5), (pair.Prompt, pair.Chosen, pair.Rejected, pair.Margin!.Value));
    }

    [Fact]
    public void ChatMessagesAreRenderedWithTheRoleColonTemplate()
    {
        var data = PreferenceFiles.Read(File(
            """{"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "hello"}], "rejected": [{"role": "assistant", "content": "go"}]}""",
            """{"chosen": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "good"}], "rejected": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "bad"}]}"""));
        Assert.Equal(("user: hi\nassistant: ", "hello\n", "go\n"), (data.Pairs[0].Prompt, data.Pairs[0].Chosen, data.Pairs[0].Rejected));
        Assert.Equal(("user: q\nassistant: ", "good\n", "bad\n"), (data.Pairs[1].Prompt, data.Pairs[1].Chosen, data.Pairs[1].Rejected));
    }

    [Fact]
    public void RatedPairsPickTheHigherRatingAndCountTies()
    {
        var data = PreferenceFiles.Read(File(
            """{"conv_A": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "conv_B": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}], "conv_A_rating": 2, "conv_B_rating": 5}""",
            """{"conv_A": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "conv_B": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}], "conv_A_rating": 3, "conv_B_rating": 3}"""));
        var pair = Assert.Single(data.Pairs);
        Assert.Equal(("b\n", "a\n", 3.0), (pair.Chosen, pair.Rejected, pair.Margin!.Value));
        Assert.Equal(1, data.Report.Ties);
    }

    [Fact]
    public void MultipleChoicePairsTheCorrectChoiceWithEachOther()
    {
        var data = PreferenceFiles.Read(File("""{"input": "Q?", "targets": {"choices": ["x", "y", "z"], "labels": [0, 1, 0]}}"""));
        Assert.Equal([("y", "x"), ("y", "z")], data.Pairs.Select(p => (p.Chosen, p.Rejected)).ToArray());
        Assert.All(data.Pairs, p => Assert.Equal("Q?", p.Prompt));
    }

    [Fact]
    public void RankingSetsAreKeptAndExpandedIntoPairs()
    {
        var data = PreferenceFiles.Read(File("""{"prompt": "p", "responses": ["a", "b", "c"], "scores": [1, 3, 3]}"""));
        var ranking = Assert.Single(data.Rankings);
        Assert.Equal(3, ranking.Responses.Count);
        Assert.Equal([("b", "a", 2.0), ("c", "a", 2.0)], data.Pairs.Select(p => (p.Chosen, p.Rejected, p.Margin!.Value)).ToArray());
    }

    [Theory]
    [InlineData("""{"prompt": "p", "chosen": "a"}""", "field 'rejected' is missing")]
    [InlineData("""{"prompt": "p", "chosen": 3, "rejected": "b"}""", "field 'chosen' must be a string")]
    [InlineData("""{"conv_A": [{"role": "user"}], "conv_B": [], "conv_A_rating": 1, "conv_B_rating": 2}""", "field 'conv_A[0].content' is missing")]
    [InlineData("""{"input": "q", "targets": {"choices": ["a", "b"], "labels": [1]}}""", "field 'targets.labels'")]
    [InlineData("""{"prompt": "p", "responses": ["a", "b"], "scores": [1, "x"]}""", "field 'scores[1]' must be a number")]
    [InlineData("""{"text": "nothing known"}""", "no known record format")]
    [InlineData("""{"prompt": "p", """, "not valid JSON")]
    public void AMalformedRecordNamesFileLineAndField(string badLine, string expected)
    {
        string path = File("""{"prompt": "p", "chosen": "a", "rejected": "b"}""", "", badLine);
        var error = Assert.Throws<DataFormatException>(() => PreferenceFiles.Read(path));
        Assert.StartsWith($"{path}:3: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("""{"prompt": "p", "chosen": nullsecret42, "rejected": "b"}""")]
    [InlineData("""truesecret42""")]
    public void ABrokenLineIsLocatedWithoutQuotingItsText(string badLine)
    {
        string path = File("""{"prompt": "p", "chosen": "a", "rejected": "b"}""", badLine);
        var error = Assert.Throws<DataFormatException>(() => PreferenceFiles.Read(path));
        Assert.StartsWith($"{path}:2: not valid JSON (line 1, byte ", error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public void SkipInvalidCountsTheBadRecordsAndKeepsTheGoodOnes()
    {
        string path = File(
            """{"prompt": "p", "chosen": "a", "rejected": "b"}""",
            """{"prompt": "p", "chosen": "a"}""",
            "not json",
            """{"prompt": "q", "chosen": "c", "rejected": "d"}""");
        var data = PreferenceFiles.Read(path, skipInvalid: true);
        Assert.Equal(2, data.Pairs.Count);
        Assert.Equal(2, data.Report.SkippedInvalid);
        Assert.Contains(data.Report.Warnings, w => w.StartsWith($"{path}:2:", StringComparison.Ordinal));
    }

    [Fact]
    public void LongPromptsAreCutFromTheLeftAndResponsesNever()
    {
        var encoder = new PairEncoder(TinyRewardSetup.Tokenizer, maxLength: 10);
        var report = new DataLoadReport();
        // chosen "abcd" + EOS = 5 tokens leaves 5 for BOS + the last 4 prompt characters.
        var pair = encoder.Encode(new PreferencePair("0123456789", "abcd", "x"), report);
        Assert.Equal([TinyRewardSetup.Tokenizer.BosId, .. "6789".Select(c => (int)c)], pair.Prompt);
        Assert.Equal([.. "abcd".Select(c => (int)c), TinyRewardSetup.Tokenizer.EosId], pair.Chosen);
        Assert.Equal(1, report.PromptsTruncated);

        var error = Assert.Throws<DataFormatException>(() => encoder.Encode(new PreferencePair("p", "0123456789", "x", Source: "f.jsonl:7")));
        Assert.StartsWith("f.jsonl:7: field 'response'", error.Message);
        var skipped = encoder.EncodeAll([new PreferencePair("p", "0123456789", "x"), new PreferencePair("p", "a", "b")], report, skipInvalid: true);
        Assert.Single(skipped);
        Assert.Equal(1, report.SkippedInvalid);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
