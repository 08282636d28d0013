using Microsoft.Extensions.DependencyInjection;

namespace RlhfPlatform.AdminApi;

public static class AdminApiServiceExtensions
{
    public static IServiceCollection AddRlhfAdminApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddSingleton<RunSubmission>();
        return services;
    }
}
