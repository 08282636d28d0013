using Microsoft.AspNetCore.Http;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.AdminApi;

/// <summary>
/// What POST /api/runs and POST /api/experiments share: a bounded body, the Idempotency-Key header,
/// parsing into run specs, and the answer (201 for new runs, 200 for a retry's, 409 for a reused key).
/// </summary>
static class SubmissionEndpoint
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static async Task<IResult> SubmitAsync(HttpRequest request, IdempotentSubmission submission, string invalidTitle,
        Func<string, IReadOnlyList<RunSpec>> parse, Func<IReadOnlyList<RunView>, bool, IResult> answer, CancellationToken ct)
    {
        string? key = request.Headers[IdempotencyHeader];
        if (key != null && (key.Length == 0 || key.Length > IdempotentSubmission.MaxKeyLength || key.Any(char.IsControl)))
            return Problems.BadRequest("Invalid Idempotency-Key", $"{IdempotencyHeader} must be 1 to {IdempotentSubmission.MaxKeyLength} printable characters");
        string? body = await BoundedBody.ReadAsync(request, ct);
        if (body == null) return BoundedBody.TooLarge();
        try
        {
            var specs = parse(body);
            var (runs, created) = await submission.SubmitAsync(key, request.Path, body, specs, ct);
            return answer(runs.Select(r => RunView.From(r, null, [])).ToList(), created);
        }
        catch (RunSpecException e)
        {
            return Problems.BadRequest(invalidTitle, e.Message);
        }
        catch (IdempotencyConflictException e)
        {
            return Problems.Conflict("Idempotency-Key conflict", e.Message);
        }
    }
}
