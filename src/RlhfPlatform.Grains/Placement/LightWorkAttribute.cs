using Orleans.Placement;

namespace RlhfPlatform.Grains.Placement;

/// <summary>
/// Marks a grain that only orchestrates (the run driver): it prefers silos that take no heavy work, so
/// losing a GPU silo does not also lose the runs it was driving; with no such silo, any silo.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class LightWorkAttribute() : PlacementFilterAttribute(new LightWorkPlacementFilter());

/// <summary>The placement filter strategy behind <see cref="LightWorkAttribute"/>.</summary>
public sealed class LightWorkPlacementFilter() : PlacementFilterStrategy(order: 0);
