using Orleans.Placement;

namespace RlhfPlatform.Grains.Placement;

/// <summary>
/// Marks a grain that holds models and runs tensor work (trainers, generators, scorers, evaluators):
/// it activates only on silos that advertise heavy work (silo metadata "rlhf.heavy" = "true").
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class HeavyWorkAttribute() : PlacementFilterAttribute(new HeavyWorkPlacementFilter());

/// <summary>The placement filter strategy behind <see cref="HeavyWorkAttribute"/>.</summary>
public sealed class HeavyWorkPlacementFilter() : PlacementFilterStrategy(order: 0);
