using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

public class RewardReadoutTests
{
    [Fact]
    public void TheRewardIsReadAtTheLastRealTokenForRightAndLeftPadding()
    {
        // hidden[b, t] = 10·b + t (H = 1), so the gathered value names the position it came from.
        var hidden = tensor(new float[] { 0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23 }, [3, 4, 1]);
        var mask = tensor(new long[,] { { 1, 1, 1, 0 }, { 0, 1, 1, 1 }, { 0, 1, 0, 0 } });
        var last = RewardModel.LastRealHidden(hidden, mask);
        Assert.Equal([2f, 13f, 21f], last.data<float>().ToArray());
    }
}
