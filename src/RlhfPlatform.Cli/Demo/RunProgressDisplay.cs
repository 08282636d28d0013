using RlhfPlatform.Contracts;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

/// <summary>Follows runs until they all end, with one progress bar per run across its four stages.</summary>
public static class RunProgressDisplay
{
    static readonly RunStage[] Stages = [RunStage.Sft, RunStage.RewardModel, RunStage.Policy, RunStage.Evaluation];

    public static async Task<IReadOnlyList<RunProgress>> FollowAsync(IReadOnlyList<(string Label, IRunGrain Grain)> runs, CancellationToken ct)
    {
        var last = new RunProgress[runs.Count];
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var bars = runs.Select(r => ctx.AddTask(r.Label, maxValue: Stages.Length)).ToArray();
                while (true)
                {
                    for (int i = 0; i < runs.Count; i++)
                    {
                        last[i] = await runs[i].Grain.GetProgress();
                        bars[i].Description = $"{runs[i].Label}: {Describe(last[i])}";
                        bars[i].Value = Position(last[i]);
                        if (last[i].Status.IsTerminal()) bars[i].StopTask();
                    }
                    if (last.All(p => p.Status.IsTerminal())) break;
                    await Task.Delay(250, ct);
                }
            });
        return last;
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
        : progress.Stage switch
        {
            RunStage.Sft => "SFT",
            RunStage.RewardModel => "reward model",
            RunStage.Policy => progress.TotalSteps > 0 ? $"RLOO {progress.Step}/{progress.TotalSteps}" : "RLOO",
            RunStage.Evaluation => "evaluation",
            _ => progress.Stage.ToWire(),
        };
}
