using RlhfPlatform.Grains;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo;

/// <summary>Everything a silo needs, bound from configuration section "Rlhf" (env vars Rlhf__...).</summary>
public sealed record RlhfSettings
{
    public RunStoreOptions RunStore { get; init; } = new();
    public CheckpointStoreOptions CheckpointStore { get; init; } = new();
    public ClusterSettings Cluster { get; init; } = new();
    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";
    public int ComputeThreads { get; init; }
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "rlhf-silo");
    /// <summary>Rlhf:Data: the folders run specs may read from.</summary>
    public DataSettings Data { get; init; } = new();

    /// <summary>The embedded default: SQLite run store and local checkpoint folder under one directory.</summary>
    public static RlhfSettings Embedded(string outDirectory) => new()
    {
        RunStore = new RunStoreOptions { Kind = "sqlite", Path = System.IO.Path.Combine(outDirectory, "runs.db") },
        CheckpointStore = new CheckpointStoreOptions { Kind = "local", Path = System.IO.Path.Combine(outDirectory, "checkpoints") },
        WorkDirectory = System.IO.Path.Combine(outDirectory, "silo"),
    };

    public RlhfSettings Validate()
    {
        if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"Rlhf:Device must be cpu or cuda (got '{Device}')");
        if (Device == "cuda")
            throw new ArgumentException("Rlhf:Device=cuda needs the GPU image (TorchBackend=cuda); this build runs on the CPU");
        if (Cluster.Kind is not "localhost")
            throw new ArgumentException($"Rlhf:Cluster:Kind '{Cluster.Kind}' is not supported yet (only localhost)");
        return this;
    }
}

public sealed record ClusterSettings
{
    public string Kind { get; init; } = "localhost";
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public string ClusterId { get; init; } = "rlhf";
    public string ServiceId { get; init; } = "rlhf-platform";
}

/// <summary>Rlhf:Data:Roots: folders a run spec's data and model paths must lie under.</summary>
public sealed record DataSettings
{
    public string[] Roots { get; init; } = [];
}
