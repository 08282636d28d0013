using Microsoft.Extensions.DependencyInjection;

namespace RlhfPlatform.AdminApi;

public static class AdminApiServiceExtensions
{
    /// <param name="dataRoots">the only folders submitted specs may read from</param>
    public static IServiceCollection AddRlhfAdminApi(this IServiceCollection services, Contracts.DataRoots dataRoots)
    {
        services.AddSingleton(dataRoots);
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddSingleton<RunSubmission>();
        return services;
    }
}
