namespace RlhfPlatform.Training.Rl;

/// <summary>
/// A policy update whose state between steps (optimizer moments and step count) can be written to a
/// folder and read back, so that an update resumed after a crash continues exactly as an uninterrupted one.
/// </summary>
public interface IResumableUpdate
{
    void SaveState(string folder);

    /// <summary>Restores what <see cref="SaveState"/> wrote for the same model shape.</summary>
    void LoadState(string folder);
}
