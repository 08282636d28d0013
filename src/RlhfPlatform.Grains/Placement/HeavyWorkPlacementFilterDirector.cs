using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace RlhfPlatform.Grains.Placement;

/// <summary>Keeps the silos whose metadata says they take heavy work; with none of them, no silo qualifies and activation fails with Orleans' "no compatible silo" error.</summary>
public sealed class HeavyWorkPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        silos.Where(silo => metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloMetadataKeys.Heavy, out var heavy) && heavy == "true");
}
