using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>The RL schedule and missing-EOS fields of the run spec: schema, defaults and mapping to the trainers' options.</summary>
public sealed class SpecMappingTests
{
    [Fact]
    public void RlScheduleAndMissingEosPenaltyMapToBothTrainers()
    {
        var spec = RunSpecParser.Parse("""
            { "rl": { "algorithm": "ppo", "steps": 40, "lrSchedule": "linear", "warmupRatio": 0.03, "missingEosPenalty": 1.5 } }
            """);
        var rloo = SpecMapping.Rloo(spec, firstStep: 7);
        var ppo = SpecMapping.Ppo(spec, firstStep: 7);
        foreach (var (schedule, shaping) in new[] { (rloo.LrSchedule, rloo.Shaping), (ppo.LrSchedule, ppo.Shaping) })
        {
            Assert.Equal("linear", schedule.Kind);
            Assert.Equal(0.03, schedule.WarmupRatio);
            Assert.Equal(40, schedule.TotalSteps);
            Assert.Equal(7, schedule.FirstStep);
            Assert.Equal(1.5, shaping.MissingEosPenalty);
        }
    }

    [Fact]
    public void MicroBatchTokensMapToBothTrainersAndDefaultToWholeMinibatches()
    {
        var spec = RunSpecParser.Parse("""{ "rl": { "microBatchTokens": 4096 } }""");
        Assert.Equal(4096, SpecMapping.Rloo(spec).MicroBatchTokens);
        Assert.Equal(4096, SpecMapping.Ppo(spec).MicroBatchTokens);
        Assert.Null(SpecMapping.Rloo(RunSpecParser.Parse("{}")).MicroBatchTokens);
        Assert.Contains("microBatchTokens", Assert.Throws<RunSpecException>(() => RunSpecParser.Parse("""{ "rl": { "microBatchTokens": 0 } }""")).Message);
    }

    [Fact]
    public void Float16TrainingIsRefusedByNameAndBfloat16Accepted()
    {
        var error = Assert.Throws<RunSpecException>(() => RunSpecParser.Parse("""{ "policy": { "dtype": "float16" } }"""));
        Assert.Contains("policy.dtype: float16 training needs loss scaling", error.Message);
        Assert.Equal("bfloat16", RunSpecParser.Parse("""{ "policy": { "dtype": "bfloat16" } }""").Policy.Dtype);
    }

    [Fact]
    public void WithoutTheFieldsTheRateIsConstantAndNothingIsPenalised()
    {
        var spec = RunSpecParser.Parse("{}");
        var options = SpecMapping.Rloo(spec);
        Assert.Equal("constant", options.LrSchedule.Kind);
        Assert.Equal(0, options.LrSchedule.WarmupRatio);
        Assert.Equal(0, options.Shaping.MissingEosPenalty);
        Assert.Equal(1.0, options.LrSchedule.Create().Factor(spec.Rl.Steps - 1));
    }

    [Theory]
    [InlineData("""{ "rl": { "lrSchedule": "exponential" } }""")]
    [InlineData("""{ "rl": { "warmupRatio": 1 } }""")]
    [InlineData("""{ "rl": { "missingEosPenalty": -1 } }""")]
    public void TheSchemaRefusesBadValues(string json) =>
        Assert.Contains("does not match the schema", Assert.Throws<RunSpecException>(() => RunSpecParser.Parse(json)).Message);
}
