using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Training.Environments;

/// <summary>Training data an environment makes itself (the synthetic task: gold-labelled by its own judge).</summary>
public interface IDataGenerator
{
    IReadOnlyList<Demonstration> Demonstrations(int count, int seed);

    /// <summary>Gold-labelled pairs with a fraction <paramref name="labelNoise"/> flipped; returns how many were.</summary>
    (IReadOnlyList<PreferencePair> Pairs, int Flipped) PreferencePairs(int count, double labelNoise, int seed);
}
