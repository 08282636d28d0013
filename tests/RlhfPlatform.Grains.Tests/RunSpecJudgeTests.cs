using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>evaluation.judge against task, and specs written back to JSON (what `rlhf submit` posts) parsing again.</summary>
public sealed class RunSpecJudgeTests
{
    [Fact]
    public void ABringYourOwnSpecSurvivesTheRoundTripThatSubmitMakes()
    {
        using var example = new ByoExample();
        var spec = RunSpecParser.Parse(File.ReadAllText(example.SpecPath), example.Folder);
        var again = RunSpecParser.Parse(RunSpecParser.ToJson(spec), roots: new DataRoots([example.Folder]));
        Assert.Equal(RunSpecParser.ToJson(spec), RunSpecParser.ToJson(again));
        Assert.Equal(JudgeSpec.RewardModelKind, again.EffectiveJudge().Kind);
    }

    [Fact]
    public void TheJudgeTargetLengthWinsAndATaskThatDisagreesIsRefused()
    {
        var spec = RunSpecParser.Parse("""{ "evaluation": { "judge": { "kind": "synthetic-length", "targetLength": 9 } } }""");
        Assert.Equal(9, spec.Task.TargetLength);
        Assert.Equal(9, RunSpecParser.Parse(RunSpecParser.ToJson(spec)).EffectiveJudge().TargetLength);
        Assert.Equal(12, RunSpecParser.Parse("{}").EffectiveJudge().TargetLength);
        Assert.Equal(RunSpecParser.ToJson(new RunSpec()), RunSpecParser.ToJson(RunSpecParser.Parse(RunSpecParser.ToJson(new RunSpec())))); // the schema takes every default

        var error = Assert.Throws<RunSpecException>(() => RunSpecParser.Parse(
            """{ "task": { "targetLength": 6 }, "evaluation": { "judge": { "kind": "reward-model", "model": "." } } }""", Path.GetTempPath()));
        Assert.Contains("task and evaluation.judge disagree: task.targetLength 6", error.Message);
        Assert.Contains("prompts.train: a reward-model judge needs the RL prompts", error.Message);
        Assert.Contains("rewardModel.data: a reward-model judge generates no preference pairs", error.Message);
    }
}
