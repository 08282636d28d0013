using System.Text.RegularExpressions;
using k8s.Models;

namespace RlhfPlatform.Deploy.Tests;

/// <summary>The chart lints strictly and renders, with each example values file, into manifests that can run.</summary>
public sealed class ChartTests
{
    static readonly Regex SecretLike = new("(connectionstring|password|secret|token|accountkey|apikey|credential)", RegexOptions.IgnoreCase);

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Lints_strictly(string? valuesFile)
    {
        var arguments = new List<string> { "lint", "--strict", Helm.Chart };
        if (valuesFile != null) arguments.AddRange(["-f", Path.Combine(Storage.Tests.RepoPaths.Root, valuesFile)]);
        var (code, output) = await Helm.RunAsync([.. arguments]);
        Assert.True(code == 0, output);
        Assert.Contains("0 chart(s) failed", output);
    }

    [Theory]
    [InlineData("silo.device=tpu", "silo.device")]
    [InlineData("silo.gpus=0", "silo.gpus")]
    [InlineData("runStore.existingSecret=", "runStore.existingSecret")]
    [InlineData("silo.readinessProbe=null", "readinessProbe is required")]
    [InlineData("silo.extraEnv[0].name=Rlhf__RunStore__ConnectionString,silo.extraEnv[0].value=Host=db;Password=literal", "silo.extraEnv.0")]
    [InlineData("silo.podLabels.orleans/clusterId=other", "orleans/clusterId")]
    [InlineData("silo.shutdownTimeoutSeconds=590", "shutdownTimeoutSeconds + 15 must be below silo.terminationGracePeriodSeconds")]
    public async Task Refuses_values_that_could_not_run(string set, string reason)
    {
        var (code, output) = await Helm.RunAsync("template", "rlhf", Helm.Chart, "--kube-version", Helm.KubeVersion, "--set", set);
        Assert.True(code != 0, $"helm rendered --set {set}:\n{output}");
        Assert.Contains(reason, output);
    }

    [Fact]
    public async Task Refuses_a_cluster_older_than_policy_v1()
    {
        var (code, output) = await Helm.RunAsync("template", "rlhf", Helm.Chart, "--kube-version", "1.20.0");
        Assert.NotEqual(0, code);
        Assert.Contains("kubeVersion", output);
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Silos_get_their_GPUs_and_advertise_them(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        var silo = Assert.Single(chart.Deployment("silo").Spec.Template.Spec.Containers);
        var limits = silo.Resources.Limits;
        var requests = silo.Resources.Requests;
        Assert.True(limits.ContainsKey("nvidia.com/gpu"), "a cuda silo without an nvidia.com/gpu limit would see no GPU");
        int gpus = int.Parse(limits["nvidia.com/gpu"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(gpus, 1, 8);
        Assert.Equal(limits["nvidia.com/gpu"].ToString(), requests["nvidia.com/gpu"].ToString());
        var env = silo.Env.ToDictionary(e => e.Name);
        Assert.Equal("cuda", env["Rlhf__Device"].Value);
        Assert.Equal(gpus.ToString(System.Globalization.CultureInfo.InvariantCulture), env["Rlhf__Devices__Count"].Value);
        // No GPU for the api, the migration or the test pod.
        foreach (var (owner, _, spec) in chart.PodSpecs().Where(p => !p.Owner.EndsWith("-silo", StringComparison.Ordinal)))
            foreach (var container in spec.Containers)
                Assert.False(container.Resources?.Limits?.ContainsKey("nvidia.com/gpu") ?? false, $"{owner} asks for a GPU");
    }

    [Theory]
    [InlineData("tests.enabled=false")]
    [InlineData("migration.enabled=false")]
    [InlineData("rbac.create=false,serviceAccount.create=false")]
    [InlineData("networkPolicy.enabled=true")]
    [InlineData("networkPolicy.enabled=true,networkPolicy.restrictEgress=true")]
    [InlineData("silo.antiAffinity=hard,silo.replicas=3")]
    [InlineData("silo.podDisruptionBudget.enabled=false,api.podDisruptionBudget.enabled=false")]
    [InlineData("silo.resources=null")]
    [InlineData("ingress.enabled=true,tests.apiKeySecret.name=reader")]
    public async Task Optional_parts_render_into_valid_manifests(string sets)
    {
        // Each combination parses strictly (RenderAsync) and keeps the GPU limit and the readiness probe.
        var chart = await RenderedChart.RenderAsync(null, sets);
        var silo = Assert.Single(chart.Deployment("silo").Spec.Template.Spec.Containers);
        Assert.Equal("1", silo.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("/api/readyz", silo.ReadinessProbe.HttpGet.Path);
        if (sets.Contains("hard", StringComparison.Ordinal))
            Assert.NotNull(chart.Deployment("silo").Spec.Template.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution);
        if (sets.Contains("rbac.create=false", StringComparison.Ordinal))
            Assert.Empty(chart.All<V1Role>());
    }

    [Fact]
    public async Task A_cpu_silo_asks_for_no_GPU()
    {
        var chart = await RenderedChart.RenderAsync(null, "silo.device=cpu");
        var silo = Assert.Single(chart.Deployment("silo").Spec.Template.Spec.Containers);
        Assert.False(silo.Resources.Limits?.ContainsKey("nvidia.com/gpu") ?? false);
        Assert.Equal("cpu", silo.Env.Single(e => e.Name == "Rlhf__Device").Value);
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Secrets_are_only_referenced(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        Assert.Empty(chart.All<V1Secret>());
        Assert.DoesNotContain("Password=", chart.Yaml, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey=", chart.Yaml, StringComparison.OrdinalIgnoreCase);
        int referenced = 0;
        foreach (var (owner, _, spec) in chart.PodSpecs())
            foreach (var container in spec.Containers)
                foreach (var variable in container.Env ?? [])
                {
                    if (!SecretLike.IsMatch(variable.Name)) continue;
                    Assert.True(variable.Value == null, $"{owner}/{container.Name}: {variable.Name} has a literal value");
                    Assert.NotNull(variable.ValueFrom?.SecretKeyRef);
                    referenced++;
                }
        // Run store, cluster and checkpoint store on the api, the silos and the migration Job.
        Assert.True(referenced >= 9, $"only {referenced} secret references");
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Silos_and_api_have_probes_on_their_http_port(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        foreach (var component in new[] { "silo", "api" })
        {
            var container = Assert.Single(chart.Deployment(component).Spec.Template.Spec.Containers);
            Assert.Contains(container.Ports, p => p.Name == "http" && p.ContainerPort == 8080);
            // `serve` listens where --urls says: the probes reach it only if that is 0.0.0.0:8080.
            Assert.Contains("http://0.0.0.0:8080", container.Args);
            Assert.Equal("/api/readyz", container.ReadinessProbe?.HttpGet?.Path);
            Assert.Equal("/api/healthz", container.LivenessProbe?.HttpGet?.Path);
            Assert.Equal("http", container.ReadinessProbe!.HttpGet.Port.Value);
            Assert.Equal("http", container.LivenessProbe!.HttpGet.Port.Value);
            Assert.NotNull(container.StartupProbe);
        }
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task The_schema_is_migrated_by_a_hook_before_the_api_and_silos(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        var job = chart.MigrationJob;
        var hooks = RenderedChart.Annotation(job.Metadata, "helm.sh/hook")!.Split(',');
        // Helm runs pre-install and pre-upgrade hooks to completion before it creates or updates any other object.
        Assert.Contains("pre-install", hooks);
        Assert.Contains("pre-upgrade", hooks);
        Assert.Equal(["migrate"], Assert.Single(job.Spec.Template.Spec.Containers).Args);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        // Before install the chart's ServiceAccount does not exist yet: the Job must not need it.
        Assert.Null(job.Spec.Template.Spec.ServiceAccountName);
        Assert.False(job.Spec.Template.Spec.AutomountServiceAccountToken);
        foreach (var component in new[] { "silo", "api" })
            Assert.Null(RenderedChart.Annotation(chart.Deployment(component).Metadata, "helm.sh/hook"));
        // The same stores as the pods it migrates for.
        var jobEnv = Assert.Single(job.Spec.Template.Spec.Containers).Env.Where(e => e.Name.StartsWith("Rlhf__", StringComparison.Ordinal)).Select(Describe);
        var apiEnv = Assert.Single(chart.Deployment("api").Spec.Template.Spec.Containers).Env.Where(e => e.Name.StartsWith("Rlhf__", StringComparison.Ordinal)).Select(Describe);
        Assert.Equal(apiEnv.Order(), jobEnv.Order());
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Silos_stop_gracefully_and_are_disrupted_one_at_a_time(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        var silo = chart.Deployment("silo");
        var spec = silo.Spec.Template.Spec;
        long grace = spec.TerminationGracePeriodSeconds!.Value;
        int stop = int.Parse(Assert.Single(spec.Containers).Env.Single(e => e.Name == "Rlhf__Silo__ShutdownSeconds").Value, System.Globalization.CultureInfo.InvariantCulture);
        // serve gives the host ShutdownSeconds + 15 s (checked against the built host in ServeEnvironmentTests).
        Assert.True(stop >= 120 && grace > stop + 15, $"step-boundary wait {stop} s, grace {grace} s");
        Assert.Equal("0", silo.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        var pdb = Assert.Single(chart.All<V1PodDisruptionBudget>(), p => p.Metadata.Labels["app.kubernetes.io/component"] == "silo");
        Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
        Assert.Equal(silo.Spec.Selector.MatchLabels, pdb.Spec.Selector.MatchLabels);
        Assert.True(spec.Affinity?.PodAntiAffinity != null || silo.Spec.Replicas == 1, "several silos without anti-affinity");
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Rbac_grants_the_Kubernetes_hosting_package_what_it_calls_and_no_more(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        var role = Assert.Single(chart.All<V1Role>());
        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        var silo = chart.Deployment("silo").Spec.Template.Spec;
        bool deletes = Assert.Single(silo.Containers).Env.Single(e => e.Name == "Rlhf__Cluster__DeleteDefunctSiloPods").Value == "true";
        Assert.Equal(deletes ? ["get", "list", "watch", "delete"] : ["get", "list", "watch"], rule.Verbs);
        var binding = Assert.Single(chart.All<V1RoleBinding>());
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Equal(silo.ServiceAccountName, Assert.Single(binding.Subjects).Name);
        Assert.True(silo.AutomountServiceAccountToken);
        // Only the silos hold a token.
        Assert.False(chart.Deployment("api").Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Helm_test_calls_readyz_through_the_api_service(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        var pod = Assert.Single(chart.All<V1Pod>());
        Assert.Equal("test", RenderedChart.Annotation(pod.Metadata, "helm.sh/hook"));
        var service = Assert.Single(chart.All<V1Service>());
        var port = Assert.Single(service.Spec.Ports).Port;
        Assert.Contains($"http://{service.Metadata.Name}:{port}/api/readyz", pod.Spec.Containers[0].Args);
        // With a reader key Secret: the key only by reference, and the script one string (a "key: value" inside a
        // plain YAML scalar would turn it into a mapping).
        if (pod.Spec.Containers.Count > 1)
        {
            var reader = pod.Spec.Containers[1];
            Assert.NotNull(Assert.Single(reader.Env).ValueFrom.SecretKeyRef);
            Assert.Contains("/api/cluster", Assert.Single(reader.Args));
            Assert.DoesNotContain("RLHF_API_KEY", string.Join(' ', reader.Command));
        }
    }

    [Fact]
    public async Task The_multi_node_example_restricts_traffic()
    {
        var chart = await RenderedChart.RenderAsync("deploy/values/multi-node-8-gpu.yaml");
        Assert.Equal(8, chart.Deployment("silo").Spec.Replicas);
        var policies = chart.All<V1NetworkPolicy>().ToList();
        var silo = Assert.Single(policies, p => p.Metadata.Labels["app.kubernetes.io/component"] == "silo");
        Assert.Contains("Egress", silo.Spec.PolicyTypes);
        var orleansRule = Assert.Single(silo.Spec.Ingress, r => r.Ports.Any(p => p.Port.Value == "silo"));
        Assert.Equal(2, orleansRule.FromProperty.Count);
        Assert.Single(chart.All<V1Ingress>());
        // The helm test pod (the release's labels, no policy of its own) may still reach the api.
        var api = Assert.Single(policies, p => p.Metadata.Labels["app.kubernetes.io/component"] == "api");
        var testPod = Assert.Single(chart.All<V1Pod>());
        Assert.Contains(api.Spec.Ingress.Single().FromProperty, peer => peer.PodSelector?.MatchLabels is { } labels
            && labels.All(l => testPod.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value));
    }

    static string Describe(V1EnvVar e) =>
        $"{e.Name}={e.Value}|{e.ValueFrom?.SecretKeyRef?.Name}/{e.ValueFrom?.SecretKeyRef?.Key}";
}
