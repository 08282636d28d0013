using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace RlhfPlatform.Grains.Placement;

/// <summary>The silos that take no heavy work if there are any, else every candidate.</summary>
public sealed class LightWorkPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var candidates = silos.ToList();
        var light = candidates.Where(silo => !(metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloMetadataKeys.Heavy, out var heavy) && heavy == "true")).ToList();
        return light.Count > 0 ? light : candidates;
    }
}
