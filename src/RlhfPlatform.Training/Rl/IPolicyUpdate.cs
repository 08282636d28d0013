namespace RlhfPlatform.Training.Rl;

/// <summary>"Learn from experience": one optimisation step of a policy-gradient algorithm on scored rollouts (raw proxy scores).</summary>
public interface IPolicyUpdate
{
    int StepsDone { get; }

    TrainingStepMetrics Update(Rollouts rollouts, float[] rewards);
}
