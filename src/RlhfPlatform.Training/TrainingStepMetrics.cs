namespace RlhfPlatform.Training;

/// <summary>Named scalar metrics of one training step.</summary>
public sealed record TrainingStepMetrics(long Step, IReadOnlyDictionary<string, double> Values);
