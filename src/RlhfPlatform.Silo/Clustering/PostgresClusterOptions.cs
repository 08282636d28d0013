namespace RlhfPlatform.Silo.Clustering;

/// <summary>Where the cluster's membership and reminder tables live (Rlhf:Cluster:ConnectionString).</summary>
public sealed class PostgresClusterOptions
{
    public string ConnectionString { get; set; } = "";
}
