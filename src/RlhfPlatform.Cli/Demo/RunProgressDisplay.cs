using RlhfPlatform.Contracts;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

/// <summary>Follows runs until they all end, with one progress bar per run across its four stages.</summary>
public static class RunProgressDisplay
{
    static readonly RunStage[] Stages = [RunStage.Sft, RunStage.RewardModel, RunStage.Policy, RunStage.Evaluation];

    public static async Task<IReadOnlyList<RunProgress>> FollowAsync(IReadOnlyList<(string Label, IRunGrain Grain)> runs, CancellationToken ct) =>
        (await FollowAsync(runs, () => Task.FromResult<IReadOnlyList<(string, IRunGrain)>?>(null), ct)).Select(r => r.Progress).ToArray();

    /// <param name="more">
    /// asked on every poll for runs to add (the demo's runs that wait for their seed's SFT policy); null
    /// once no more will come. Following ends when every run has ended and more has returned null.
    /// </param>
    public static async Task<IReadOnlyList<(string Label, RunProgress Progress)>> FollowAsync(IReadOnlyList<(string Label, IRunGrain Grain)> runs,
        Func<Task<IReadOnlyList<(string Label, IRunGrain Grain)>?>> more, CancellationToken ct)
    {
        bool complete = false;
        var followed = runs.ToList();
        var last = new List<RunProgress>();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var bars = followed.Select(r => ctx.AddTask(r.Label, maxValue: Stages.Length)).ToList();
                while (true)
                {
                    var added = complete ? null : await more();
                    complete = added == null;
                    foreach (var run in added ?? [])
                    {
                        followed.Add(run);
                        bars.Add(ctx.AddTask(run.Label, maxValue: Stages.Length));
                    }
                    last.Clear();
                    for (int i = 0; i < followed.Count; i++)
                    {
                        var progress = await followed[i].Grain.GetProgress();
                        last.Add(progress);
                        bars[i].Description = $"{followed[i].Label}: {Describe(progress)}";
                        bars[i].Value = Position(progress);
                        if (progress.Status.IsTerminal()) bars[i].StopTask();
                    }
                    if (complete && last.All(p => p.Status.IsTerminal())) break;
                    await Task.Delay(250, ct);
                }
            });
        return followed.Select((r, i) => (r.Label, last[i])).ToArray();
    }

    /// <summary>Stages done plus the fraction of the current one.</summary>
    static double Position(RunProgress progress)
    {
        if (progress.Status == RunStatus.Completed) return Stages.Length;
        int index = Array.IndexOf(Stages, progress.Stage);
        if (index < 0) return 0;
        double fraction = progress.TotalSteps > 0 ? Math.Clamp(progress.Step / (double)progress.TotalSteps, 0, 1) : 0;
        return index + fraction;
    }

    static string Describe(RunProgress progress) => progress.Status.IsTerminal()
        ? progress.Status.ToWire()
        : progress.Waiting != null ? Markup.Escape(progress.Waiting)
        : progress.Stage switch
        {
            RunStage.Sft => "SFT",
            RunStage.RewardModel => "reward model",
            RunStage.Policy => progress.TotalSteps > 0 ? $"RLOO {progress.Step}/{progress.TotalSteps}" : "RLOO",
            RunStage.Evaluation => "evaluation",
            _ => progress.Stage.ToWire(),
        };
}
