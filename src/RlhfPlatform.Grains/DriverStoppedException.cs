namespace RlhfPlatform.Grains;

/// <summary>The run's driver stopped at a step boundary because its activation is going away; the run is not over.</summary>
public sealed class DriverStoppedException(string where) : Exception(where);
