namespace RlhfPlatform.Storage;

/// <summary>Which checkpoint store to use (configuration section <see cref="SectionName"/>).</summary>
public sealed class CheckpointStoreOptions
{
    public const string SectionName = "CheckpointStore";
    public const string LocalKind = "local";
    public const string AzureBlobKind = "azure-blob";

    /// <summary><see cref="LocalKind"/> or <see cref="AzureBlobKind"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The root folder, for local.</summary>
    public string? Path { get; set; }

    /// <summary>The storage account connection string, for azure-blob.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob container, for azure-blob.</summary>
    public string? Container { get; set; }

    /// <summary>How long blob calls retry with backoff while the service is unreachable before the failure surfaces (0: no retries past the SDK's own).</summary>
    public int RetrySeconds { get; set; } = 120;
}
