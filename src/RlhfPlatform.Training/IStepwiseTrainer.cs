namespace RlhfPlatform.Training;

/// <summary>A trainer that advances one optimizer step per call, so hosts can interleave steps with I/O.</summary>
public interface IStepwiseTrainer
{
    bool IsDone { get; }
    int StepsDone { get; }
    TrainingStepMetrics Step();
}

public static class StepwiseTrainerExtensions
{
    /// <summary>Up to <paramref name="maxSteps"/> steps, stopping early when done.</summary>
    public static List<TrainingStepMetrics> Steps(this IStepwiseTrainer trainer, int maxSteps)
    {
        var steps = new List<TrainingStepMetrics>();
        while (!trainer.IsDone && steps.Count < maxSteps) steps.Add(trainer.Step());
        return steps;
    }
}
