using Microsoft.Extensions.Options;

namespace RlhfPlatform.Storage;

public sealed class CheckpointStoreOptionsValidator : IValidateOptions<CheckpointStoreOptions>
{
    private const string Section = CheckpointStoreOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, CheckpointStoreOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Each problem as one sentence naming the setting (e.g. "CheckpointStore:Container is required ...").</summary>
    public static IReadOnlyList<string> Failures(CheckpointStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kind = options.Kind?.Trim().ToLowerInvariant();
        return kind switch
        {
            null or "" => [$"{Section}:Kind is required: '{CheckpointStoreOptions.LocalKind}' or '{CheckpointStoreOptions.AzureBlobKind}'"],
            CheckpointStoreOptions.LocalKind => string.IsNullOrWhiteSpace(options.Path)
                ? [$"{Section}:Path is required when {Section}:Kind is '{kind}' (the root folder)"]
                : [],
            CheckpointStoreOptions.AzureBlobKind => AzureBlobFailures(options).ToList(),
            _ => [$"{Section}:Kind '{options.Kind}' is not supported: use '{CheckpointStoreOptions.LocalKind}' or '{CheckpointStoreOptions.AzureBlobKind}'"],
        };
    }

    private static IEnumerable<string> AzureBlobFailures(CheckpointStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            yield return $"{Section}:ConnectionString is required when {Section}:Kind is '{CheckpointStoreOptions.AzureBlobKind}'";
        if (string.IsNullOrWhiteSpace(options.Container))
            yield return $"{Section}:Container is required when {Section}:Kind is '{CheckpointStoreOptions.AzureBlobKind}'";
        else if (!IsValidContainerName(options.Container))
            yield return $"{Section}:Container '{options.Container}' is not a valid container name: " +
                         "3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit";
        if (options.RetrySeconds is < 0 or > 3600)
            yield return $"{Section}:RetrySeconds must be 0 to 3600 (got {options.RetrySeconds})";
    }

    private static bool IsValidContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-'
        && !name.Contains("--", StringComparison.Ordinal);
}
