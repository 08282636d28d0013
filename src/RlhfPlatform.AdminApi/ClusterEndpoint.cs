using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orleans;
using Polly;
using Polly.Retry;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.AdminApi;

/// <summary>GET /api/cluster: the silos, their status and advertised devices, and the grains of each run they host.</summary>
public static class ClusterEndpoint
{
    // A silo that just went away may be the gateway or the host of the view: the client moves to another within a few tries.
    static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ClusterFaults.IsTransient),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
        })
        .Build();

    public static RouteGroupBuilder MapClusterEndpoint(this RouteGroupBuilder api)
    {
        api.MapGet("/cluster", async (IGrainFactory grains, CancellationToken ct) =>
            {
                try
                {
                    return Results.Ok(await Retry.ExecuteAsync(async _ => await grains.GetGrain<IClusterViewGrain>(0).Get(), ct));
                }
                catch (Exception e) when (ClusterFaults.IsTransient(e))
                {
                    return Problems.Unavailable("Cluster unavailable", $"no silo answered for the cluster view: {ErrorText.Of(e)}");
                }
            })
            .WithName("GetCluster")
            .WithSummary("The cluster's silos and the run grains each hosts");
        return api;
    }
}
