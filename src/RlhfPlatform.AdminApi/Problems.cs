using Microsoft.AspNetCore.Http;

namespace RlhfPlatform.AdminApi;

/// <summary>The RFC 7807 answers the endpoints give.</summary>
static class Problems
{
    public static IResult BadRequest(string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);
    public static IResult NotFound(string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status404NotFound);
    public static IResult Conflict(string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);
    public static IResult Unavailable(string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
    public static IResult RunNotFound(string id) => NotFound("Run not found", $"no run with id '{id}'");
}
