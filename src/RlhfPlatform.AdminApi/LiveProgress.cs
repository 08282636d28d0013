using Orleans;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.AdminApi;

/// <summary>
/// A run's live progress from its driver grain, or null while that grain's silo is going away (the
/// run's reminder resumes it elsewhere): the recorded status is then what the API shows.
/// </summary>
public static class LiveProgress
{
    public static async Task<RunProgress?> TryGetAsync(IGrainFactory grains, string runId)
    {
        try
        {
            return await grains.GetGrain<IRunGrain>(runId).GetProgress();
        }
        catch (Exception e) when (ClusterFaults.IsTransient(e))
        {
            return null;
        }
    }
}
