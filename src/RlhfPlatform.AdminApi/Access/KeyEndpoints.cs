using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi.Access;

/// <summary>A key to create: its role and what it is for.</summary>
public sealed record KeyRequest(string Role, string? Name);

/// <summary>A key as the API shows it: never its secret.</summary>
public sealed record KeyView(string Id, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static KeyView From(ApiKeyRecord record) => new(record.KeyId, record.Name, record.Role, record.CreatedAt, record.RevokedAt);
}

/// <summary>A key just created: the only answer that ever holds the key itself.</summary>
public sealed record CreatedKey(string Id, string Name, string Role, DateTimeOffset CreatedAt, string Key);

/// <summary>/api/keys, operators only: create (the key is in that one answer), list (never a key), revoke.</summary>
static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/keys", CreateAsync).RequireAuthorization(AccessPolicies.Operator)
            .Accepts<KeyRequest>("application/json").Produces<CreatedKey>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/keys", ListAsync).RequireAuthorization(AccessPolicies.Operator).Produces<KeyView[]>();
        api.MapPost("/keys/{id}/revoke", RevokeAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<KeyView>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    static async Task<IResult> CreateAsync(HttpRequest request, HttpResponse response, IRunStore store, CancellationToken ct)
    {
        if (await BoundedBody.ReadAsync(request, ct) is not { } body) return BoundedBody.TooLarge();
        KeyRequest? wanted;
        try
        {
            wanted = JsonSerializer.Deserialize<KeyRequest>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return Problems.BadRequest("Invalid key request", "the body must be JSON: {\"role\": \"reader\" or \"operator\", \"name\": \"...\"}");
        }
        if (wanted?.Role is not { } role || !ApiKeySecrets.IsRole(role))
            return Problems.BadRequest("Invalid key request", $"role must be {ApiKeySecrets.ReaderRole} or {ApiKeySecrets.OperatorRole}");
        string name = wanted.Name ?? "key";
        if (ApiKeySecrets.NameProblem(name) is { } problem) return Problems.BadRequest("Invalid key request", problem);

        var (record, key) = ApiKeySecrets.Create(role, name, DateTimeOffset.UtcNow);
        await store.CreateApiKeyAsync(record, ct);
        response.Headers.CacheControl = "no-store"; // the one answer that holds a key: no cache keeps it
        return Results.Created($"/api/keys/{record.KeyId}", new CreatedKey(record.KeyId, record.Name, record.Role, record.CreatedAt, key));
    }

    static async Task<IResult> ListAsync(IRunStore store, CancellationToken ct) =>
        Results.Ok((await store.ListApiKeysAsync(ct)).Select(KeyView.From));

    static async Task<IResult> RevokeAsync(string id, IRunStore store, CancellationToken ct)
    {
        if (!await store.RevokeApiKeyAsync(id, ct)) return Problems.NotFound("Key not found", $"no live key with id '{id}'");
        return Results.Ok(KeyView.From((await store.GetApiKeyAsync(id, ct))!));
    }
}
