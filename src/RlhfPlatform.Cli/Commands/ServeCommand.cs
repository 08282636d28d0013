using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Silo;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf serve`: hosts a silo and/or the admin API. Configuration comes from the "Rlhf" section
/// (environment variables Rlhf__RunStore__Kind, ...); without a configured run store the embedded
/// stores under --out are used.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var roleOption = new Option<string>("--role") { Description = "all (silo + API), silo, or api", DefaultValueFactory = _ => "all" };
        roleOption.AcceptOnlyFromAmong("all", "silo", "api");
        var urlsOption = new Option<string?>("--urls") { Description = "Where the admin API listens, e.g. http://127.0.0.1:8080" };
        var outOption = new Option<string>("--out") { Description = "Directory of the embedded stores", DefaultValueFactory = _ => "rlhf-out" };
        var insecureOption = new Option<bool>("--insecure-no-auth") { Description = "Serve the API without keys (every caller is an operator); only on a loopback address" };
        var command = new Command("serve", "Host a silo and/or the admin API") { roleOption, urlsOption, outOption, insecureOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () =>
            RunAsync(result.GetValue(roleOption)!, result.GetValue(urlsOption), result.GetValue(outOption)!, result.GetValue(insecureOption), ct)));
        return command;
    }

    static async Task<int> RunAsync(string role, string? urls, string outDirectory, bool insecureNoAuth, CancellationToken ct)
    {
        var settings = Settings(Path.GetFullPath(outDirectory)).Validate(role);
        if (role != "api") TorchBuild.RequireDevice(settings);
        await using var stores = await Stores.OpenAsync(settings, ct);
        bool servesApi = role != "silo";
        if (servesApi) await ServeAccess.CheckAsync(urls, insecureNoAuth, stores.RunStore, ct);
        await using var app = PlatformHost.Server(role, urls, settings, stores.RunStore, stores.CheckpointStore, insecureNoAuth);
        await app.StartAsync(ct);
        // The addresses actually bound, whatever configuration chose them.
        if (servesApi && insecureNoAuth) ServeAccess.RequireLoopback(string.Join(';', app.Urls));
        AnsiConsole.MarkupLine($"rlhf serve ({role}): run store {settings.RunStore.Kind}, checkpoints {settings.CheckpointStore.Kind}" +
                               (role == "silo" ? "" : $", API on {string.Join(", ", app.Urls)}"));
        await app.WaitForShutdownAsync(ct);
        return 0;
    }

    /// <summary>The "Rlhf" configuration section over the embedded stores under <paramref name="outDirectory"/>.</summary>
    public static RlhfSettings Settings(string outDirectory)
    {
        var root = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var configuration = root.GetSection("Rlhf");
        var embedded = RlhfSettings.Embedded(outDirectory);
        var configured = configuration.Get<RlhfSettings>() ?? embedded;
        return (configured with
        {
            RunStore = string.IsNullOrEmpty(configuration["RunStore:Kind"]) ? embedded.RunStore : configured.RunStore,
            CheckpointStore = string.IsNullOrEmpty(configuration["CheckpointStore:Kind"]) ? embedded.CheckpointStore : configured.CheckpointStore,
            WorkDirectory = string.IsNullOrEmpty(configuration["WorkDirectory"]) ? embedded.WorkDirectory : configured.WorkDirectory,
            // The operator's roots, plus the data folder under --out.
            Data = new DataSettings { Roots = [.. configured.Data.Roots, Path.Combine(outDirectory, "data")] },
        }).WithPodEnvironment(root);
    }
}
