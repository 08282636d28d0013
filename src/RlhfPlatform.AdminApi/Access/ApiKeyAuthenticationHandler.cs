using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi.Access;

public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>`serve --insecure-no-auth` (loopback only): every request acts as an operator.</summary>
    public bool InsecureNoAuth { get; set; }
}

/// <summary>
/// "Authorization: Bearer KEY" against the run store's keys. Failures say only what is wrong with the
/// request (missing, malformed, unknown or revoked key), never the key.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, IRunStore store)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Options.InsecureNoAuth) return Success("insecure-no-auth", "insecure-no-auth", ApiKeySecrets.OperatorRole);
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("the Authorization header must read 'Bearer KEY'");
        if (!ApiKeySecrets.TryParse(header["Bearer ".Length..].Trim(), out string keyId, out string secret))
            return AuthenticateResult.Fail("the API key is malformed");
        var record = await store.GetApiKeyAsync(keyId, Context.RequestAborted);
        if (record == null || record.RevokedAt != null || !ApiKeySecrets.Matches(record, secret))
            return AuthenticateResult.Fail("the API key is unknown or revoked");
        return Success(record.KeyId, record.Name, record.Role);
    }

    AuthenticateResult Success(string keyId, string name, string role)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, keyId), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            result.Failure?.Message ?? "send 'Authorization: Bearer KEY' with a key from `rlhf keys create`");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "this key's role may not do this; submit and cancel need an operator key");

    Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(Context);
    }
}
