using RlhfPlatform.Modeling.Optimization;

namespace RlhfPlatform.Training.Rl;

/// <summary>An RL trainer's learning rate per update: the peak rate times its schedule's factor at the run's step.</summary>
public sealed class RlLearningRate(double peak, RlLearningRateSchedule schedule)
{
    readonly LearningRateSchedule factors = schedule.Create();

    /// <summary>Sets the optimizer's rate for the update that follows <paramref name="stepsDone"/> of this trainer's; returns it.</summary>
    public double Apply(AdamW optimizer, int stepsDone)
    {
        double rate = peak * factors.Factor(schedule.FirstStep + stepsDone);
        optimizer.LearningRate = rate;
        return rate;
    }
}
