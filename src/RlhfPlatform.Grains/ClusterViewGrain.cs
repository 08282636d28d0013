using Orleans.Concurrency;
using Orleans.Runtime.MembershipService.SiloMetadata;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>
/// Builds the cluster view from Orleans' own records: the membership (IManagementGrain), each silo's
/// advertised metadata (the silo metadata cache every silo keeps), and the activations of our grains,
/// grouped by the run their key starts with.
/// </summary>
[StatelessWorker]
public sealed class ClusterViewGrain(ISiloMetadataCache metadata) : Grain, IClusterViewGrain
{
    public async Task<ClusterView> Get()
    {
        var management = GrainFactory.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var grains = new List<DetailedGrainStatistic>();
        foreach (var silo in active)
        {
            // A silo that died but is not yet declared dead does not answer; the others still do.
            try
            {
                grains.AddRange(await management.GetDetailedGrainStatistics(null, [silo]));
            }
            catch (Exception e) when (ClusterFaults.IsTransient(e)) { }
        }
        var silos = hosts
            .OrderBy(h => h.Status == SiloStatus.Dead).ThenBy(h => h.SiloName, StringComparer.Ordinal)
            .Select(host =>
            {
                var advertised = metadata.GetSiloMetadata(host.SiloAddress).Metadata;
                string Read(string key, string fallback) => advertised.TryGetValue(key, out var value) ? value : fallback;
                var runs = grains
                    .Where(g => g.SiloAddress.Equals(host.SiloAddress) && RunOf(g.GrainId) is not null)
                    .GroupBy(g => RunOf(g.GrainId)!, StringComparer.Ordinal)
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new RunGrainsView(g.Key, g.Select(x => $"{x.GrainId.Type}/{x.GrainId.Key}").Order(StringComparer.Ordinal).ToArray()))
                    .ToArray();
                return new SiloView(host.SiloAddress.ToString(), host.SiloName, host.HostName, host.Status.ToString().ToLowerInvariant(),
                    Read(SiloMetadataKeys.Heavy, "false") == "true", Read(SiloMetadataKeys.Device, "unknown"),
                    int.TryParse(Read(SiloMetadataKeys.DeviceCount, "0"), out int count) ? count : 0, host.StartTime, runs);
            })
            .ToArray();
        return new ClusterView(silos);
    }

    /// <summary>Our run grains are keyed by the run id or "{run}/...": the run; other grains (and key-0 services): none.</summary>
    static string? RunOf(GrainId grain)
    {
        if (!RunGrainTypes.Contains(grain.Type.ToString())) return null;
        string key = grain.Key.ToString();
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    static readonly HashSet<string> RunGrainTypes = new(StringComparer.Ordinal)
    {
        "run", "policytrainer", "rewardmodeltrainer", "rewardscorer", "rolloutgenerator", "evaluator",
    };
}
