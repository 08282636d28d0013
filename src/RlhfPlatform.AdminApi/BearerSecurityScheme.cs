using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RlhfPlatform.AdminApi;

/// <summary>Adds the API-key bearer scheme to the OpenAPI document and requires it on every operation (the probes excepted).</summary>
sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public const string Name = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key from `rlhf keys create --role reader|operator`",
        };
        foreach (var (path, item) in document.Paths)
        {
            if (path is "/api/healthz" or "/api/readyz" || item.Operations == null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
            }
        }
        return Task.CompletedTask;
    }
}
