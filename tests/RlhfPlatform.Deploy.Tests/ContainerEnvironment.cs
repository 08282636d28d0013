using System.Text.RegularExpressions;
using k8s.Models;

namespace RlhfPlatform.Deploy.Tests;

/// <summary>
/// The environment a rendered container would get from Kubernetes: literal values as they are, downward-API fields
/// from its pod (labels from the pod template; a pod name, namespace and IP as the kubelet would give), and each
/// secretKeyRef as a well-formed placeholder of what that Secret must hold (the chart never has the real value).
/// </summary>
internal static partial class ContainerEnvironment
{
    public const string Namespace = "rlhf";
    /// <summary>TEST-NET-1 (RFC 5737): an address for documentation; nothing is sent to it.</summary>
    public const string PodIp = "192.0.2.10";
    public const string PostgresPlaceholder = "Host=postgres.invalid;Port=5432;Database=rlhf;Username=rlhf;Password=placeholder";
    public const string BlobPlaceholder = "DefaultEndpointsProtocol=https;AccountName=placeholder;AccountKey=cGxhY2Vob2xkZXI=;EndpointSuffix=core.windows.net";

    public static string PodName(string owner) => owner.Split('/')[1] + "-5d8c7b9f4-x2k7q";

    public static Dictionary<string, string> Resolve(string owner, V1ObjectMeta podMetadata, V1Container container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container.Env ?? [])
        {
            Assert.False(env.ContainsKey(variable.Name), $"{owner}: {variable.Name} is set twice");
            env[variable.Name] = variable switch
            {
                { Value: { } value } => value,
                { ValueFrom.FieldRef.FieldPath: { } path } => Field(owner, podMetadata, path),
                { ValueFrom.SecretKeyRef: { } secret } => variable.Name.Contains("CheckpointStore", StringComparison.Ordinal) ? BlobPlaceholder
                    : variable.Name.Contains("ConnectionString", StringComparison.Ordinal) ? PostgresPlaceholder
                    : $"placeholder-for-{secret.Name}-{secret.Key}",
                _ => throw new Xunit.Sdk.XunitException($"{owner}: {variable.Name} has neither a value nor a source this test knows"),
            };
        }
        return env;
    }

    static string Field(string owner, V1ObjectMeta pod, string path)
    {
        if (path == "metadata.name") return PodName(owner);
        if (path == "metadata.namespace") return Namespace;
        if (path == "status.podIP") return PodIp;
        var label = LabelPath().Match(path);
        if (label.Success)
        {
            Assert.True(pod.Labels?.ContainsKey(label.Groups[1].Value) ?? false, $"{owner}: the env refers to the pod label {label.Groups[1].Value}, which the pod does not have");
            return pod.Labels![label.Groups[1].Value];
        }
        throw new Xunit.Sdk.XunitException($"{owner}: fieldRef {path} is not one this test resolves");
    }

    [GeneratedRegex(@"^metadata\.labels\['([^']+)'\]$")]
    private static partial Regex LabelPath();
}

/// <summary>Sets a container's environment on this process for the scope's lifetime (and hides the runner's own).</summary>
internal sealed class EnvironmentScope : IDisposable
{
    static readonly string[] Prefixes = ["Rlhf__", "POD_", "ORLEANS_", "ASPNETCORE_URLS"];
    readonly Dictionary<string, string?> saved = new();

    public EnvironmentScope(IReadOnlyDictionary<string, string> env)
    {
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (Prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))) Set(name, null);
        }
        foreach (var (name, value) in env) Set(name, value);
    }

    void Set(string name, string? value)
    {
        saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
    }
}
