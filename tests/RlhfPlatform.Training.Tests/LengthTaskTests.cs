using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Training.Tests;

public class LengthTaskTests
{
    readonly LengthTask task = new(targetLength: 10);

    [Theory]
    [InlineData("abc:", "", 0.0)]
    [InlineData("abc:", "aaaaa", 1.5)]          // all in set, 5/10
    [InlineData("abc:", "aaaaaaaaaa", 2.0)]     // the optimum
    [InlineData("abc:", "aaaaaaaaaaaaaaa", 1.0)] // 5 past: 1 - 2·5/10 = 0
    [InlineData("abc:", "zzzzz", 0.5)]          // nothing in set
    [InlineData("abc:", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0.0)] // length term floors at -1
    public void GoldRewardMatchesHandComputedValues(string prompt, string response, double expected) =>
        Assert.Equal(expected, task.GoldReward(prompt, response), 10);

    [Fact]
    public void PairsAreGoldLabelledAndNoiseIsCounted()
    {
        var (clean, noFlips) = task.PreferencePairs(400, 0.0, seed: 1);
        Assert.Equal(0, noFlips);
        Assert.All(clean, p => Assert.True(task.GoldReward(p.Prompt, p.Chosen) >= task.GoldReward(p.Prompt, p.Rejected)));

        var (noisy, flipped) = task.PreferencePairs(400, 0.25, seed: 1);
        int wrong = noisy.Count(p => task.GoldReward(p.Prompt, p.Chosen) < task.GoldReward(p.Prompt, p.Rejected));
        Assert.InRange(flipped, 70, 130);
        Assert.InRange(wrong, flipped - 20, flipped); // a flipped tie is not "wrong"
    }

    [Fact]
    public void DemonstrationsNeverExceedTheTargetLength() =>
        Assert.All(task.Demonstrations(500, seed: 3), d => Assert.InRange(d.Response.Length, 1, 10));
}
