using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// The runs of one seed. Every reward model of a seed starts from the same SFT policy (same data, same
/// seed, same recipe), so only the first run trains it; once that run's policy version 0 is committed,
/// the demo copies it into the data folder and submits the other runs with it as policy.base and
/// policy.sft.steps 0. Their reference policy, reward-model initialisation and Best-of-N samples are
/// the same weights as if each had trained it again, and the seed's SFT is paid once instead of once per reward model.
/// </summary>
public sealed record SeedPlan(int Seed, RunSpec Lead, IReadOnlyList<RunSpec> Followers)
{
    /// <summary>The followers, starting from the lead's SFT policy copied to <paramref name="sftFolder"/>.</summary>
    public IReadOnlyList<RunSpec> FollowersFrom(string sftFolder) => Followers.Select(f => f with
    {
        Policy = f.Policy with { Base = sftFolder, Sft = f.Policy.Sft with { Steps = 0 } },
    }).ToArray();
}
