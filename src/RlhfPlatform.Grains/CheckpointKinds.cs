namespace RlhfPlatform.Grains;

/// <summary>Checkpoint kinds of a run: runs/{run}/{kind}/{version}/.</summary>
public static class CheckpointKinds
{
    /// <summary>Policy versions: 0 is the SFT policy (and the reference); version v follows RL step v.</summary>
    public const string Policy = "policy";

    public static string RewardModel(string name) => $"rm-{name}";
}
