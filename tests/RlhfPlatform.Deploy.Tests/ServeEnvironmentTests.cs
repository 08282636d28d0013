using System.Net;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;
using Orleans.Messaging;
using RlhfPlatform.Cli.Commands;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Silo;
using RlhfPlatform.Silo.Clustering;
using RlhfPlatform.Storage;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Deploy.Tests;

/// <summary>
/// Each rendered container's environment goes through what `rlhf serve` / `rlhf migrate` do at start, short of
/// connecting: ServeCommand.Settings (the same binding), Validate(role) for the image's torch backend, then the
/// same PlatformHost.Server the process would start, built (not started) and its Orleans options read back. A
/// configuration that would crash-loop at start fails here.
/// </summary>
public sealed class ServeEnvironmentTests
{
    /// <summary>The backend the image is built with by default (Dockerfile.gpu's ARG TORCH_BACKEND).</summary>
    static readonly string ImageBackend = Regex.Match(File.ReadAllText(Path.Combine(RepoPaths.Root, "Dockerfile.gpu")),
        @"^ARG TORCH_BACKEND=(\w+)$", RegexOptions.Multiline).Groups[1].Value;

    [Fact]
    public void The_image_is_built_with_the_cuda_backend_by_default() => Assert.Equal("cuda", ImageBackend);

    [Theory]
    [MemberData(nameof(Helm.ValuesFiles), MemberType = typeof(Helm))]
    public async Task Every_container_passes_serves_validation_and_builds_its_host(string? valuesFile)
    {
        var chart = await RenderedChart.RenderAsync(valuesFile);
        int checkedContainers = 0;
        foreach (var (owner, metadata, spec) in chart.PodSpecs().Where(p => !p.Owner.StartsWith("Pod/", StringComparison.Ordinal)))
        {
            var container = Assert.Single(spec.Containers);
            var env = ContainerEnvironment.Resolve(owner, metadata, container);
            await CheckStartsAsync(owner, container, metadata, spec, env, ImageBackend);
            checkedContainers++;
        }
        Assert.Equal(3, checkedContainers); // silo, api, migration
    }

    [Fact]
    public async Task The_cpu_build_refuses_the_cuda_silo_and_accepts_a_cpu_silo()
    {
        var cuda = await RenderedChart.RenderAsync(null);
        var (owner, metadata, spec) = cuda.PodSpecs().Single(p => p.Owner.EndsWith("-silo", StringComparison.Ordinal));
        var env = ContainerEnvironment.Resolve(owner, metadata, spec.Containers[0]);
        var refused = Assert.Throws<ArgumentException>(() => Settings(env).Validate("silo", "cpu"));
        Assert.Contains("Rlhf:Device=cuda needs the GPU image", refused.Message);

        var cpu = await RenderedChart.RenderAsync(null, "silo.device=cpu");
        (owner, metadata, spec) = cpu.PodSpecs().Single(p => p.Owner.EndsWith("-silo", StringComparison.Ordinal));
        await CheckStartsAsync(owner, spec.Containers[0], metadata, spec, ContainerEnvironment.Resolve(owner, metadata, spec.Containers[0]), "cpu");
    }

    [Theory]
    [InlineData("ORLEANS_CLUSTER_ID", "another-cluster", "contradicts Rlhf:Cluster:ClusterId")]
    [InlineData("ORLEANS_SERVICE_ID", "another-service", "contradicts Rlhf:Cluster:ServiceId")]
    [InlineData("POD_IP", null, "POD_IP")]
    [InlineData("POD_NAME", null, "POD_NAME")]
    [InlineData("POD_IP", "not-an-ip", "POD_IP must be an IP address")]
    [InlineData("Rlhf__Cluster__AdvertisedAddress", "198.51.100.7", "contradicts POD_IP")]
    [InlineData("Rlhf__Cluster__ConnectionString", null, "needs Rlhf:Cluster:ConnectionString")]
    [InlineData("Rlhf__Cluster__Kind", "postgres", "only Rlhf:Cluster:Kind=kubernetes reads")]
    [InlineData("Rlhf__Cluster__Kind", "consul", "must be localhost, postgres or kubernetes")]
    public async Task A_silo_environment_that_contradicts_itself_is_refused(string variable, string? value, string expected)
    {
        var chart = await RenderedChart.RenderAsync(null);
        var (owner, metadata, spec) = chart.PodSpecs().Single(p => p.Owner.EndsWith("-silo", StringComparison.Ordinal));
        var env = ContainerEnvironment.Resolve(owner, metadata, spec.Containers[0]);
        if (value == null) env.Remove(variable); else env[variable] = value;
        var refused = Assert.Throws<ArgumentException>(() => Settings(env).Validate("silo", ImageBackend));
        Assert.Contains(expected, refused.Message);
        Assert.DoesNotContain("placeholder", refused.Message); // no connection string in an error
    }

    [Fact]
    public async Task Values_whose_pods_would_crash_loop_fail_this_check()
    {
        // helm renders this (the schema cannot know), but every silo would stop at start: the test must catch it.
        var chart = await RenderedChart.RenderAsync(null, "silo.extraEnv[0].name=Rlhf__Cluster__AdvertisedAddress", "silo.extraEnv[0].value=198.51.100.7");
        var (owner, metadata, spec) = chart.PodSpecs().Single(p => p.Owner.EndsWith("-silo", StringComparison.Ordinal));
        var env = ContainerEnvironment.Resolve(owner, metadata, spec.Containers[0]);
        await Assert.ThrowsAsync<ArgumentException>(() => CheckStartsAsync(owner, spec.Containers[0], metadata, spec, env, ImageBackend));
    }

    static RlhfSettings Settings(IReadOnlyDictionary<string, string> env)
    {
        using var scope = new EnvironmentScope(env);
        return ServeCommand.Settings(Path.Combine(Path.GetTempPath(), "rlhf-deploy-test-out"));
    }

    static async Task CheckStartsAsync(string owner, V1Container container, V1ObjectMeta pod, V1PodSpec spec,
        IReadOnlyDictionary<string, string> env, string backend)
    {
        using var scope = new EnvironmentScope(env);
        var args = container.Args ?? [];
        var settings = ServeCommand.Settings(Path.Combine(Path.GetTempPath(), "rlhf-deploy-test-out"));
        if (args[0] == "migrate")
        {
            settings.Validate(role: null, backend);
            Assert.Equal("postgres", settings.RunStore.Kind);
            await using var migrated = (IAsyncDisposable)StorageFactory.CreateRunStore(settings.RunStore);
            return;
        }
        Assert.Equal("serve", args[0]);
        string role = args[args.IndexOf("--role") + 1];
        string urls = args[args.IndexOf("--urls") + 1];
        settings.Validate(role, backend);
        Assert.Equal("postgres", settings.RunStore.Kind);
        Assert.Equal("azure-blob", settings.CheckpointStore.Kind);

        var runStore = StorageFactory.CreateRunStore(settings.RunStore);
        var checkpointStore = StorageFactory.CreateCheckpointStore(settings.CheckpointStore);
        await using var app = PlatformHost.Server(role, urls, settings, runStore, checkpointStore);
        var services = app.Services;
        var cluster = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal(env["Rlhf__Cluster__ServiceId"], cluster.ServiceId);
        Assert.Equal(env["Rlhf__Cluster__ClusterId"], cluster.ClusterId);
        if (role == "api")
        {
            Assert.IsType<PostgresGatewayListProvider>(services.GetRequiredService<IGatewayListProvider>());
            return;
        }

        // A silo: its identity is its pod's, as the other silos and Kubernetes see it.
        Assert.Equal(pod.Labels["orleans/serviceId"], cluster.ServiceId);
        Assert.Equal(pod.Labels["orleans/clusterId"], cluster.ClusterId);
        Assert.Equal(ContainerEnvironment.PodName(owner), services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var endpoints = services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Parse(ContainerEnvironment.PodIp), endpoints.AdvertisedIPAddress);
        Assert.Equal(container.Ports.Single(p => p.Name == "silo").ContainerPort, endpoints.SiloPort);
        Assert.Equal(container.Ports.Single(p => p.Name == "gateway").ContainerPort, endpoints.GatewayPort);
        Assert.Equal(IPAddress.Any, endpoints.SiloListeningEndpoint?.Address);
        // Orleans' own validation of the Kubernetes hosting options (pod name = silo name, namespace set).
        var hosting = services.GetRequiredService<IOptions<KubernetesHostingOptions>>().Value;
        Assert.Equal(env["Rlhf__Cluster__DeleteDefunctSiloPods"] == "true", hosting.DeleteDefunctSiloPods);
        Assert.IsType<PostgresMembershipTable>(services.GetRequiredService<Orleans.IMembershipTable>());
        // The graceful stop (drivers reach a step boundary within the grains' deactivation timeout, then the host
        // leaves the cluster) fits in the pod's grace period, as the built host has it.
        var stepBoundary = TimeSpan.FromSeconds(int.Parse(env["Rlhf__Silo__ShutdownSeconds"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(stepBoundary, services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.DeactivationTimeout);
        var stop = services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        Assert.True(stop > stepBoundary, $"{owner}: the host stops ({stop}) before its drivers may reach a step boundary ({stepBoundary})");
        Assert.True(stop < TimeSpan.FromSeconds(spec.TerminationGracePeriodSeconds!.Value), $"{owner}: stop budget {stop} exceeds the grace period");
        Assert.Equal(settings.Devices.Count, int.Parse(env["Rlhf__Devices__Count"], System.Globalization.CultureInfo.InvariantCulture));
    }
}
