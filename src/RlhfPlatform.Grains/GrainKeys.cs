namespace RlhfPlatform.Grains;

/// <summary>Grain keys of the form "{run}/{part}/...".</summary>
public static class GrainKeys
{
    public static string RunOf(string key) => key.Split('/')[0];

    public static string Join(params object[] parts) => string.Join('/', parts);
}
