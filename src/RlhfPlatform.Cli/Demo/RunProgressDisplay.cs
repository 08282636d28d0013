using RlhfPlatform.Contracts;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

/// <summary>Follows a run's grain until it ends, with a progress bar per stage.</summary>
public static class RunProgressDisplay
{
    static readonly RunStage[] Stages = [RunStage.Sft, RunStage.RewardModel, RunStage.Policy, RunStage.Evaluation];

    public static async Task<RunProgress> FollowAsync(IRunGrain run, CancellationToken ct)
    {
        RunProgress last = await run.GetProgress();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var bars = Stages.ToDictionary(s => s, s => ctx.AddTask(Label(s), autoStart: false, maxValue: 1));
                while (!last.Status.IsTerminal())
                {
                    foreach (var stage in Stages.TakeWhile(s => s < last.Stage))
                    {
                        bars[stage].StartTask();
                        bars[stage].Value = bars[stage].MaxValue;
                        bars[stage].StopTask();
                    }
                    if (bars.TryGetValue(last.Stage, out var bar))
                    {
                        bar.StartTask();
                        if (last.TotalSteps > 0)
                        {
                            bar.MaxValue = last.TotalSteps;
                            bar.Value = last.Step;
                        }
                    }
                    await Task.Delay(250, ct);
                    last = await run.GetProgress();
                }
                if (last.Status == RunStatus.Completed)
                    foreach (var bar in bars.Values) { bar.StartTask(); bar.Value = bar.MaxValue; bar.StopTask(); }
            });
        return last;
    }

    static string Label(RunStage stage) => stage switch
    {
        RunStage.Sft => "SFT policy",
        RunStage.RewardModel => "reward model (bt)",
        RunStage.Policy => "RLOO",
        RunStage.Evaluation => "evaluation",
        _ => stage.ToWire(),
    };
}
