using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace RlhfPlatform.AdminApi.Dashboard;

/// <summary>
/// The dashboard at / (a redirect to /dashboard/): static files, served without a key. Every piece of
/// data the pages show comes from /api with the key the user types into the page, so a page loaded
/// without a key shows nothing but the key prompt.
/// </summary>
static class DashboardEndpoints
{
    /// <summary>Only this origin's scripts, styles and API: no inline script, no CDN, no framing.</summary>
    const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder app, DashboardAssets assets)
    {
        // Relative, so that the pages' relative links also work behind a proxy that serves us under a prefix.
        app.MapGet("/", () => Results.Redirect("dashboard/")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/dashboard/{**path}", (string? path, HttpRequest request, HttpResponse response) =>
                // "/dashboard" without its slash would resolve the pages' relative links against "/".
                request.Path.Value?.EndsWith('/') == false && string.IsNullOrEmpty(path) ? Results.Redirect("dashboard/") : Serve(assets, path ?? "", response))
            .AllowAnonymous().ExcludeFromDescription();
    }

    static IResult Serve(DashboardAssets assets, string path, HttpResponse response)
    {
        var asset = assets.Find(path);
        if (asset == null) return Problems.NotFound("Not found", "no such dashboard file");
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache"; // revalidated by entity tag: a new build's files are picked up at once
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: asset.ETag);
    }
}
