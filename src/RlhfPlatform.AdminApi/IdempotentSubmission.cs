using System.Security.Cryptography;
using System.Text;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi;

/// <summary>The same Idempotency-Key and body as an earlier request; its key with another body.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);

/// <summary>
/// Submits one request's runs at most once per Idempotency-Key. The first request claims the key in the
/// run store together with the run ids it is about to create (one atomic insert), so concurrent retries
/// agree on one winner and answer with the winner's runs.
/// </summary>
public sealed class IdempotentSubmission(RunSubmission submission, IRunStore runs)
{
    public const int MaxKeyLength = 200;
    static readonly TimeSpan WinnerWait = TimeSpan.FromSeconds(60);

    /// <returns>the runs, and whether this request created them (false: an earlier request with the key did)</returns>
    /// <exception cref="RunSpecException">a spec's inputs cannot be used</exception>
    /// <exception cref="IdempotencyConflictException">the key was used with another request</exception>
    public async Task<(IReadOnlyList<RunRecord> Runs, bool Created)> SubmitAsync(
        string? key, string route, string body, IReadOnlyList<RunSpec> specs, CancellationToken ct)
    {
        for (int i = 0; i < specs.Count; i++)
            await submission.CheckAsync(specs[i], specs.Count == 1 ? "run spec" : $"run {specs[i].Name}");
        var runIds = specs.Select(RunSubmission.NewRunId).ToArray();
        if (key == null) return (await CreateAllAsync(specs, runIds, ct), true);

        string requestHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(route + "\n" + body)));
        var claim = await runs.ClaimIdempotencyKeyAsync(new IdempotencyRecord(key, requestHash, runIds, DateTimeOffset.UtcNow), ct);
        if (claim.RequestHash != requestHash)
            throw new IdempotencyConflictException("this Idempotency-Key was used with another request body; use a new key for a new submission");
        if (!claim.RunIds.SequenceEqual(runIds)) return (await WaitForRunsAsync(claim.RunIds, ct), false);
        try
        {
            return (await CreateAllAsync(specs, runIds, ct), true);
        }
        catch
        {
            await runs.ReleaseIdempotencyKeyAsync(key, requestHash, CancellationToken.None);
            throw;
        }
    }

    async Task<IReadOnlyList<RunRecord>> CreateAllAsync(IReadOnlyList<RunSpec> specs, string[] runIds, CancellationToken ct)
    {
        var created = new List<RunRecord>();
        for (int i = 0; i < specs.Count; i++) created.Add(await submission.CreateAsync(specs[i], runIds[i], ct));
        return created;
    }

    /// <summary>The winner's runs, once it has recorded them all.</summary>
    async Task<IReadOnlyList<RunRecord>> WaitForRunsAsync(IReadOnlyList<string> runIds, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(WinnerWait);
        try
        {
            while (true)
            {
                var found = new List<RunRecord>();
                foreach (string id in runIds)
                    if (await runs.GetRunAsync(id, deadline.Token) is { } run) found.Add(run);
                if (found.Count == runIds.Count) return found;
                await Task.Delay(50, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IdempotencyConflictException("a request with this Idempotency-Key is still being processed; retry later");
        }
    }
}
