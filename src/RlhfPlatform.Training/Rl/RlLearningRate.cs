using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>An RL trainer's learning rate per update: the peak rate times its schedule's factor at the run's step.</summary>
public sealed class RlLearningRate(double peak, RlLearningRateSchedule schedule)
{
    readonly LearningRateSchedule factors = schedule.Create();

    /// <summary>Sets every parameter group's rate for the update that follows <paramref name="stepsDone"/> of this trainer's; returns it.</summary>
    public double Apply(optim.Optimizer optimizer, int stepsDone)
    {
        double rate = peak * factors.Factor(schedule.FirstStep + stepsDone);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
        return rate;
    }
}
