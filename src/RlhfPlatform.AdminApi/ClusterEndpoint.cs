using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orleans;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.AdminApi;

/// <summary>GET /api/cluster: the silos, their status and advertised devices, and the grains of each run they host.</summary>
public static class ClusterEndpoint
{
    public static RouteGroupBuilder MapClusterEndpoint(this RouteGroupBuilder api)
    {
        api.MapGet("/cluster", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<IClusterViewGrain>(0).Get()))
            .WithName("GetCluster")
            .WithSummary("The cluster's silos and the run grains each hosts");
        return api;
    }
}
