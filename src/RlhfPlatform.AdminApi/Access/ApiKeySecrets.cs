using System.Security.Cryptography;
using System.Text;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi.Access;

/// <summary>
/// API keys read "rlhf_{keyId}_{secret}": the id finds the stored record, the 256-bit secret is
/// checked against SHA-256(salt ‖ secret) in constant time. A random 256-bit secret needs no slow hash.
/// </summary>
public static class ApiKeySecrets
{
    public const string ReaderRole = "reader", OperatorRole = "operator";
    const string Prefix = "rlhf_";

    public static bool IsRole(string role) => role is ReaderRole or OperatorRole;

    /// <returns>null for a usable key name (1 to 100 printable characters), else what is wrong with it</returns>
    public static string? NameProblem(string name) =>
        name.Length is 0 or > 100 || name.Any(char.IsControl) ? "a key's name must be 1 to 100 printable characters" : null;

    /// <summary>A new key: the record to store and the key text, which exists only in the return value.</summary>
    public static (ApiKeyRecord Record, string Key) Create(string role, string name, DateTimeOffset now)
    {
        if (!IsRole(role)) throw new ArgumentException($"role '{role}' is not one of {ReaderRole}, {OperatorRole}");
        string keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        var record = new ApiKeyRecord(keyId, name, role, Convert.ToHexStringLower(salt), Convert.ToHexStringLower(Hash(salt, secret)), now, null);
        return (record, $"{Prefix}{keyId}_{secret}");
    }

    /// <summary>Splits a well-formed key into its id and secret; false for anything else.</summary>
    public static bool TryParse(string key, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (!key.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        int separator = key.IndexOf('_', Prefix.Length);
        if (separator <= Prefix.Length || separator == key.Length - 1) return false;
        keyId = key[Prefix.Length..separator];
        secret = key[(separator + 1)..];
        return true;
    }

    public static bool Matches(ApiKeyRecord record, string secret)
    {
        byte[] expected = Convert.FromHexString(record.Hash);
        return CryptographicOperations.FixedTimeEquals(expected, Hash(Convert.FromHexString(record.Salt), secret));
    }

    static byte[] Hash(byte[] salt, string secret) => SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(secret)]);

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
