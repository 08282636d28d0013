using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RlhfPlatform.AdminApi.Access;
using RlhfPlatform.AdminApi.Dashboard;
using RlhfPlatform.AdminApi.Experiments;

namespace RlhfPlatform.AdminApi;

/// <summary>The admin API under /api and its dashboard at /. Errors are RFC 7807 problem details.</summary>
public static class AdminApiEndpoints
{
    /// <summary>Error handling (every failure a problem details answer without internals), keys and roles, then the endpoints.</summary>
    public static WebApplication UseRlhfAdminApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A malformed request (e.g. a bad query value) keeps its 400; everything else is a 500 that names nothing internal.
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        var api = app.MapGroup("/api");
        HealthEndpoints.Map(api);
        RunEndpoints.Map(api);
        ExperimentEndpoints.Map(api);
        KeyEndpoints.Map(api);
        api.MapClusterEndpoint(); // the fallback policy: any key (a reader may see the cluster)
        DashboardEndpoints.Map(app, DashboardAssets.Load());
        return app;
    }

    /// <summary>
    /// Only the probes, for a process that serves no API (`serve --role silo`): /api/healthz (the process answers) and
    /// /api/readyz (the run store, the checkpoint store and the cluster answer), the same checks as the API's.
    /// </summary>
    public static WebApplication UseRlhfProbes(this WebApplication app)
    {
        HealthEndpoints.Map(app.MapGroup("/api"));
        return app;
    }
}
