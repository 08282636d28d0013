using Azure;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>
/// Recognises the Azure SDK failures that mean "the blob service cannot be used": no response at all
/// (refused, unknown host, timed out; after the retries Azure.Core throws them as an
/// <see cref="AggregateException"/>) or a rejected account key/SAS.
/// </summary>
internal static class BlobStoreFailures
{
    public static string? UnavailableCause(Exception failure, CancellationToken ct) => failure switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Select(inner => UnavailableCause(inner, ct)).FirstOrDefault(cause => cause is not null),
        RequestFailedException { Status: 0 } noResponse => (noResponse.InnerException ?? noResponse).Message,
        RequestFailedException { Status: 401 or 403 } denied => $"{denied.Status} {denied.ErrorCode}",
        OperationCanceledException when !ct.IsCancellationRequested => "the request timed out",
        _ => null,
    };
}
