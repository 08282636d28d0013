namespace RlhfPlatform.Grains;

/// <summary>Checkpoint kinds of a run: runs/{run}/{kind}/{version}/.</summary>
public static class CheckpointKinds
{
    /// <summary>Policy versions: 0 is the SFT policy (and the reference); version v follows RL step v.</summary>
    public const string Policy = "policy";
    /// <summary>The RL update's state after a policy version (optimizer moments, step count), for an exact resume.</summary>
    public const string TrainerState = "trainer-state";

    public static string RewardModel(string name) => $"rm-{name}";
}
