using k8s;
using k8s.Models;

namespace RlhfPlatform.Deploy.Tests;

/// <summary>The chart rendered by `helm template` and parsed strictly (an unknown field or kind fails).</summary>
internal sealed class RenderedChart
{
    RenderedChart(string yaml, IReadOnlyList<object> objects) => (Yaml, Objects) = (yaml, objects);

    public string Yaml { get; }
    public IReadOnlyList<object> Objects { get; }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<RenderedChart>> Rendered = new();

    /// <summary>Rendered once per values file and --set list (the objects are only read).</summary>
    public static Task<RenderedChart> RenderAsync(string? valuesFile, params string[] sets) =>
        Rendered.GetOrAdd($"{valuesFile}|{string.Join('|', sets)}", _ => RenderFreshAsync(valuesFile, sets));

    static async Task<RenderedChart> RenderFreshAsync(string? valuesFile, string[] sets)
    {
        string yaml = await Helm.TemplateAsync(valuesFile, sets);
        var objects = KubernetesYaml.LoadAllFromString(yaml, strict: true);
        Assert.NotEmpty(objects);
        return new RenderedChart(yaml, objects);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public V1Deployment Deployment(string component) =>
        Assert.Single(All<V1Deployment>(), d => d.Metadata.Labels["app.kubernetes.io/component"] == component);

    public V1Job MigrationJob => Assert.Single(All<V1Job>());

    /// <summary>Every workload's pod template with what runs it: (kind/name, template).</summary>
    public IEnumerable<(string Owner, V1ObjectMeta Metadata, V1PodSpec Spec)> PodSpecs()
    {
        foreach (var d in All<V1Deployment>()) yield return ($"Deployment/{d.Metadata.Name}", d.Spec.Template.Metadata, d.Spec.Template.Spec);
        foreach (var j in All<V1Job>()) yield return ($"Job/{j.Metadata.Name}", j.Spec.Template.Metadata, j.Spec.Template.Spec);
        foreach (var p in All<V1Pod>()) yield return ($"Pod/{p.Metadata.Name}", p.Metadata, p.Spec);
    }

    public static string? Annotation(V1ObjectMeta metadata, string key) =>
        metadata.Annotations != null && metadata.Annotations.TryGetValue(key, out var value) ? value : null;
}
