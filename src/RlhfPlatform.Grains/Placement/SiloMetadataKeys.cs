namespace RlhfPlatform.Grains.Placement;

/// <summary>What a silo advertises to the cluster (Orleans silo metadata).</summary>
public static class SiloMetadataKeys
{
    public const string Heavy = "rlhf.heavy";
    public const string Device = "rlhf.device";
    public const string DeviceCount = "rlhf.devices";
    public const string Role = "rlhf.role";
}
