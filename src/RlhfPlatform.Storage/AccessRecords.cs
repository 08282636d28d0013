namespace RlhfPlatform.Storage;

/// <summary>An API key as stored: never the secret, only its salt and SHA-256(salt ‖ secret), both hex.</summary>
public sealed record ApiKeyRecord(string KeyId, string Name, string Role, string Salt, string Hash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// An Idempotency-Key's claim: the hash of the request that first used it and the runs that request
/// creates (their ids are chosen before the runs exist, so a retry can name them).
/// </summary>
public sealed record IdempotencyRecord(string Key, string RequestHash, IReadOnlyList<string> RunIds, DateTimeOffset CreatedAt);
