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
    /// <summary>Rlhf:Devices: how many of <see cref="Device"/> this silo advertises.</summary>
    public DevicesSettings Devices { get; init; } = new();
    /// <summary>Rlhf:Runs: how runs are driven.</summary>
    public RunsSettings Runs { get; init; } = new();
    /// <summary>Rlhf:Silo: what work this silo takes.</summary>
    public SiloSettings Silo { get; init; } = new();
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

    /// <summary>Checks what every command that opens the stores needs (the role-independent part of <see cref="Validate(string)"/>).</summary>
    public RlhfSettings Validate() => Validate(role: null, TorchBuild.Backend);

    /// <summary>Checks the settings for `rlhf serve --role ROLE` in this build (its torch backend).</summary>
    public RlhfSettings Validate(string role) => Validate(role, TorchBuild.Backend);

    /// <summary>
    /// Checks the settings for `rlhf serve --role ROLE` (null: no role, e.g. `rlhf keys`) in a build whose torch backend
    /// is <paramref name="torchBackend"/> ("cpu" or "cuda"). Every refusal names the setting to change; none echoes a secret.
    /// </summary>
    public RlhfSettings Validate(string? role, string torchBackend)
    {
        if (role is not (null or "all" or "silo" or "api")) throw new ArgumentException($"the role must be all, silo or api (got '{role}')");
        if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"Rlhf:Device must be cpu or cuda (got '{Device}')");
        if (Device == "cuda" && torchBackend != "cuda")
            throw new ArgumentException("Rlhf:Device=cuda needs the GPU image (built with TorchBackend=cuda); this build has only the CPU torch backend");
        if (Cluster.Kind is not ("localhost" or "postgres" or "kubernetes"))
            throw new ArgumentException($"Rlhf:Cluster:Kind must be localhost, postgres or kubernetes (got '{Cluster.Kind}')");
        if (Cluster.Kind != "localhost" && string.IsNullOrWhiteSpace(Cluster.ConnectionString))
            throw new ArgumentException($"Rlhf:Cluster:Kind={Cluster.Kind} needs Rlhf:Cluster:ConnectionString (the PostgreSQL that holds membership and reminders)");
        if (!string.IsNullOrEmpty(Cluster.AdvertisedAddress) && !System.Net.IPAddress.TryParse(Cluster.AdvertisedAddress, out _))
            throw new ArgumentException($"Rlhf:Cluster:AdvertisedAddress must be an IP address (got '{Cluster.AdvertisedAddress}')");
        foreach (var (name, port) in new[] { ("SiloPort", Cluster.SiloPort), ("GatewayPort", Cluster.GatewayPort) })
            if (port is < 1 or > 65535) throw new ArgumentException($"Rlhf:Cluster:{name} must be a TCP port (1-65535), got {port}");
        if (string.IsNullOrWhiteSpace(Cluster.ClusterId) || string.IsNullOrWhiteSpace(Cluster.ServiceId))
            throw new ArgumentException("Rlhf:Cluster:ClusterId and Rlhf:Cluster:ServiceId must not be empty");
        ValidateKubernetes(role);
        if (Runs.LeaseSeconds is < 6 or > 3600) throw new ArgumentException($"Rlhf:Runs:LeaseSeconds must be 6 to 3600 (got {Runs.LeaseSeconds})");
        if (Runs.StallSeconds is < 5 or > 604_800) throw new ArgumentException($"Rlhf:Runs:StallSeconds must be 5 to 604800 (got {Runs.StallSeconds})");
        if (Runs.MaxDriven is < 1 or > 10_000) throw new ArgumentException($"Rlhf:Runs:MaxDriven must be 1 to 10000 (got {Runs.MaxDriven})");
        if (Runs.DrivePeriodSeconds is < 2 or > 3600) throw new ArgumentException($"Rlhf:Runs:DrivePeriodSeconds must be 2 to 3600 (got {Runs.DrivePeriodSeconds})");
        if (Devices.Count is < 1 or > 64) throw new ArgumentException($"Rlhf:Devices:Count must be 1 to 64 (got {Devices.Count})");
        if (Silo.ShutdownSeconds is < 5 or > 3600) throw new ArgumentException($"Rlhf:Silo:ShutdownSeconds must be 5 to 3600 (got {Silo.ShutdownSeconds})");
        if (Silo.HeavyJobsPerDevice is < 1 or > 16) throw new ArgumentException($"Rlhf:Silo:HeavyJobsPerDevice must be 1 to 16 (got {Silo.HeavyJobsPerDevice})");
        return this;
    }

    /// <summary>
    /// Kind=kubernetes: PostgreSQL membership plus Orleans' Kubernetes hosting, which takes a silo's name, address and
    /// cluster identity from its pod. Refuses what would make the pod's identity and ours disagree.
    /// </summary>
    void ValidateKubernetes(string? role)
    {
        var pod = Cluster.Pod;
        if (Cluster.Kind != "kubernetes")
        {
            if (!string.IsNullOrEmpty(pod.OrleansServiceId) || !string.IsNullOrEmpty(pod.OrleansClusterId))
                throw new ArgumentException($"ORLEANS_SERVICE_ID / ORLEANS_CLUSTER_ID are set, which only Rlhf:Cluster:Kind=kubernetes reads (Kind is {Cluster.Kind}): " +
                    "set Rlhf:Cluster:Kind=kubernetes or remove them");
            if (Cluster.DeleteDefunctSiloPods)
                throw new ArgumentException($"Rlhf:Cluster:DeleteDefunctSiloPods needs Rlhf:Cluster:Kind=kubernetes (Kind is {Cluster.Kind})");
            return;
        }
        // The api role is an Orleans client: it finds gateways in PostgreSQL and has no pod identity to take.
        if (role is null or "api") return;
        foreach (var (variable, value) in new[] { ("POD_NAME", pod.Name), ("POD_NAMESPACE", pod.Namespace), ("POD_IP", pod.IP) })
            if (string.IsNullOrWhiteSpace(value))
                throw new ArgumentException($"Rlhf:Cluster:Kind=kubernetes needs the environment variable {variable} " +
                    "(from the downward API: metadata.name, metadata.namespace, status.podIP) in a silo's pod");
        if (!System.Net.IPAddress.TryParse(pod.IP, out var podIp))
            throw new ArgumentException($"POD_IP must be an IP address (got '{pod.IP}')");
        if (!string.IsNullOrEmpty(Cluster.AdvertisedAddress) && !System.Net.IPAddress.Parse(Cluster.AdvertisedAddress).Equals(podIp))
            throw new ArgumentException($"Rlhf:Cluster:AdvertisedAddress ({Cluster.AdvertisedAddress}) contradicts POD_IP ({pod.IP}): " +
                "with Kind=kubernetes a silo advertises its pod IP; remove Rlhf:Cluster:AdvertisedAddress");
        if (!string.IsNullOrEmpty(pod.OrleansServiceId) && pod.OrleansServiceId != Cluster.ServiceId)
            throw new ArgumentException($"ORLEANS_SERVICE_ID ('{pod.OrleansServiceId}', the pod's orleans/serviceId label) contradicts Rlhf:Cluster:ServiceId ('{Cluster.ServiceId}'): " +
                "silos and the api would join different services; make them equal");
        if (!string.IsNullOrEmpty(pod.OrleansClusterId) && pod.OrleansClusterId != Cluster.ClusterId)
            throw new ArgumentException($"ORLEANS_CLUSTER_ID ('{pod.OrleansClusterId}', the pod's orleans/clusterId label) contradicts Rlhf:Cluster:ClusterId ('{Cluster.ClusterId}'): " +
                "silos and the api would join different clusters; make them equal");
    }

    /// <summary>These settings with the pod identity Orleans' Kubernetes hosting reads (POD_NAME, POD_NAMESPACE, POD_IP, ORLEANS_*).</summary>
    public RlhfSettings WithPodEnvironment(Microsoft.Extensions.Configuration.IConfiguration root) => this with
    {
        Cluster = Cluster with
        {
            Pod = new PodIdentity
            {
                Name = root["POD_NAME"] ?? "",
                Namespace = root["POD_NAMESPACE"] ?? "",
                IP = root["POD_IP"] ?? "",
                OrleansServiceId = root["ORLEANS_SERVICE_ID"] ?? "",
                OrleansClusterId = root["ORLEANS_CLUSTER_ID"] ?? "",
            },
        },
    };
}

public sealed record ClusterSettings
{
    /// <summary>
    /// "localhost" (one process is the whole cluster), "postgres" (membership and reminders in PostgreSQL), or
    /// "kubernetes" (postgres, and each silo takes its name, address and cluster identity from its pod).
    /// </summary>
    public string Kind { get; init; } = "localhost";
    /// <summary>For Kind=postgres and kubernetes. Never logged or echoed.</summary>
    public string ConnectionString { get; init; } = "";
    /// <summary>The IP other silos and clients reach this silo on (default loopback); the pod IP in Kubernetes.</summary>
    public string AdvertisedAddress { get; init; } = "";
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public string ClusterId { get; init; } = "rlhf";
    public string ServiceId { get; init; } = "rlhf-platform";
    /// <summary>Kind=kubernetes: delete the pod of a silo the cluster declared dead (needs the RBAC verb delete on pods).</summary>
    public bool DeleteDefunctSiloPods { get; init; }
    /// <summary>The pod this process runs in (environment, not the Rlhf section): see <see cref="RlhfSettings.WithPodEnvironment"/>.</summary>
    public PodIdentity Pod { get; init; } = new();
}

/// <summary>The downward-API variables Orleans' Kubernetes hosting reads.</summary>
public sealed record PodIdentity
{
    public string Name { get; init; } = "";
    public string Namespace { get; init; } = "";
    public string IP { get; init; } = "";
    public string OrleansServiceId { get; init; } = "";
    public string OrleansClusterId { get; init; } = "";
}

public sealed record DevicesSettings
{
    public int Count { get; init; } = 1;
}

public sealed record RunsSettings
{
    /// <summary>How often each unfinished run's reminder checks that it has a driver.</summary>
    public int DrivePeriodSeconds { get; init; } = 60;
    /// <summary>How long a run's driver lease lasts unrenewed.</summary>
    public int LeaseSeconds { get; init; } = 30;
    /// <summary>Runs driven at once across the cluster (every process on the run store); others wait, queued, for a place.</summary>
    public int MaxDriven { get; init; } = 32;
    /// <summary>A background job (SFT, reward model, evaluation) that reports no progress for this long fails its run.</summary>
    public int StallSeconds { get; init; } = 1800;
}

public sealed record SiloSettings
{
    /// <summary>Does this silo take trainers, generators, scorers and evaluators (grains marked [HeavyWork])?</summary>
    public bool Heavy { get; init; } = true;
    /// <summary>Heavy jobs (tensor work) each device runs at once; the silo admits Devices:Count × this many, the rest wait in its queue.</summary>
    public int HeavyJobsPerDevice { get; init; } = 1;
    /// <summary>
    /// How long a stopping silo (SIGTERM) waits for its runs' drivers to reach a step boundary and its
    /// grains to deactivate; the orchestrator's grace period must be longer (Helm: terminationGracePeriodSeconds).
    /// </summary>
    public int ShutdownSeconds { get; init; } = 120;
}

/// <summary>Rlhf:Data:Roots: folders a run spec's data and model paths must lie under.</summary>
public sealed record DataSettings
{
    public string[] Roots { get; init; } = [];
}
