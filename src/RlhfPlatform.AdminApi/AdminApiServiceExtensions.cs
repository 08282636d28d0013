using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using RlhfPlatform.AdminApi.Access;

namespace RlhfPlatform.AdminApi;

public static class AdminApiServiceExtensions
{
    /// <param name="dataRoots">the only folders submitted specs may read from</param>
    /// <param name="insecureNoAuth">every request acts as an operator (`serve --insecure-no-auth`, loopback only)</param>
    public static IServiceCollection AddRlhfAdminApi(this IServiceCollection services, Contracts.DataRoots dataRoots, bool insecureNoAuth = false)
    {
        services.AddSingleton(dataRoots);
        services.AddProblemDetails();
        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityScheme>());
        services.AddSingleton<RunSubmission>();
        services.AddSingleton<IdempotentSubmission>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, o => o.InsecureNoAuth = insecureNoAuth);
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Reader, p => p.RequireRole(ApiKeySecrets.ReaderRole, ApiKeySecrets.OperatorRole))
            .AddPolicy(AccessPolicies.Operator, p => p.RequireRole(ApiKeySecrets.OperatorRole))
            // An endpoint that names no policy (none should) still needs a key.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }
}
