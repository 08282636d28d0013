using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RlhfPlatform.AdminApi;
using RlhfPlatform.Silo;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Cli.Hosting;

/// <summary>Builds the processes `rlhf` runs: an in-process silo (demo), or silo and/or admin API (serve).</summary>
public static class PlatformHost
{
    /// <summary>A silo in this process with the submission service, no web server.</summary>
    public static IHost EmbeddedSilo(RlhfSettings settings, IRunStore runStore, ICheckpointStore checkpointStore, LogLevel logLevel)
    {
        var builder = Host.CreateApplicationBuilder();
        ConfigureLogging(builder.Logging, logLevel);
        // The demo reports every run's outcome itself; a grain's log line would cut through its live progress display.
        builder.Logging.AddFilter("RlhfPlatform", LogLevel.Critical);
        // stdout carries the command's results (tables, --json): any log line goes to stderr.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleans(silo =>
        {
            silo.UseRlhfClustering(settings);
            silo.Services.AddRlhfGrainServices(settings, runStore, checkpointStore);
        });
        builder.Services.AddSingleton<RunSubmission>();
        return builder.Build();
    }

    /// <summary>`rlhf serve`: role "all" (silo + API), "silo", or "api" (API + Orleans client).</summary>
    public static WebApplication Server(string role, string? urls, RlhfSettings settings, IRunStore runStore, ICheckpointStore checkpointStore,
        bool insecureNoAuth = false)
    {
        var builder = WebApplication.CreateBuilder();
        ConfigureLogging(builder.Logging, LogLevel.Information);
        if (urls != null) builder.WebHost.UseUrls(urls);
        builder.Services.AddSingleton(runStore);
        builder.Services.TryAddSingleton(checkpointStore);
        if (role is "all" or "silo")
        {
            builder.UseOrleans(silo =>
            {
                silo.UseRlhfClustering(settings);
                silo.Services.AddRlhfGrainServices(settings, runStore, checkpointStore);
            });
            builder.Services.AddHostedService<RunResumer>();
        }
        else
        {
            builder.UseOrleansClient(client => client.UseRlhfClustering(settings.Cluster));
        }
        builder.Services.AddRlhfAdminApi(new RlhfPlatform.Contracts.DataRoots(settings.Data.Roots), insecureNoAuth);
        var app = builder.Build();
        if (role is "all" or "api") app.UseRlhfAdminApi();
        // A silo without the API still answers the liveness and readiness probes.
        else app.UseRlhfProbes();
        return app;
    }

    static void ConfigureLogging(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        logging.SetMinimumLevel(level);
        // Orleans warns at start-up about workstation GC and the watchdog's first check: noise for a single process.
        var frameworkLevel = level < LogLevel.Warning ? LogLevel.Warning : LogLevel.Error;
        logging.AddFilter("Orleans", frameworkLevel);
        logging.AddFilter("Microsoft", frameworkLevel);
    }
}
