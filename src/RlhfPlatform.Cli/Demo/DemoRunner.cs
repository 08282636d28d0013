using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// Submits the demo's runs seed by seed (<see cref="SeedPlan"/>): each seed's lead run at once, its
/// other runs as soon as the lead's SFT policy is committed; follows them all with progress bars.
/// </summary>
public sealed class DemoRunner(EmbeddedPlatform platform, string dataFolder)
{
    public async Task<IReadOnlyList<(string Label, RunProgress Progress)>> RunAsync(IReadOnlyList<SeedPlan> plans, bool labelSeeds, CancellationToken ct)
    {
        var leads = new List<(SeedPlan Plan, string RunId)>();
        var runs = new List<(string Label, IRunGrain Grain)>();
        foreach (var plan in plans)
        {
            var run = await platform.Submission.SubmitAsync(plan.Lead, ct);
            leads.Add((plan, run.RunId));
            runs.Add((Label(plan.Lead, labelSeeds), platform.Grains.GetGrain<IRunGrain>(run.RunId)));
        }
        var pending = leads.ToList();
        return await RunProgressDisplay.FollowAsync(runs, async () =>
        {
            if (pending.Count == 0) return null;
            var added = new List<(string, IRunGrain)>();
            foreach (var lead in pending.ToArray())
            {
                var sft = (await platform.RunStore.GetCheckpointsAsync(lead.RunId, ct))
                    .FirstOrDefault(c => c.Kind == Grains.CheckpointKinds.Policy && c.Version == 0);
                if (sft == null)
                {
                    var record = await platform.RunStore.GetRunAsync(lead.RunId, ct);
                    if (record != null && record.Status.IsTerminal()) pending.Remove(lead); // failed before SFT: its followers never start
                    continue;
                }
                pending.Remove(lead);
                string folder = Path.Combine(dataFolder, $"sft-seed{lead.Plan.Seed}");
                CopyFolder(new Uri(sft.Uri).LocalPath, folder);
                foreach (var spec in lead.Plan.FollowersFrom(folder))
                {
                    var run = await platform.Submission.SubmitAsync(spec, ct);
                    added.Add((Label(spec, labelSeeds), platform.Grains.GetGrain<IRunGrain>(run.RunId)));
                }
            }
            return (IReadOnlyList<(string, IRunGrain)>)added;
        }, ct);
    }

    static string Label(RunSpec spec, bool labelSeeds) => labelSeeds ? $"{spec.RewardModel.Name} s{spec.Seed}" : spec.RewardModel.Name;

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }
}
