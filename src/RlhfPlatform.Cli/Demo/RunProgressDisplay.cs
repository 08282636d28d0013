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
                while (true)
                {
                    bool completed = last.Status == RunStatus.Completed;
                    foreach (var stage in Stages)
                    {
                        if (stage < last.Stage || completed) Finish(bars[stage]);
                        else if (stage == last.Stage) Advance(bars[stage], last);
                    }
                    if (last.Status.IsTerminal()) break;
                    await Task.Delay(250, ct);
                    last = await run.GetProgress();
                }
            });
        return last;
    }

    static void Advance(ProgressTask bar, RunProgress progress)
    {
        if (bar.IsFinished) return;
        if (!bar.IsStarted) bar.StartTask();
        if (progress.TotalSteps <= 0) return;
        bar.MaxValue = progress.TotalSteps;
        bar.Value = progress.Step;
    }

    static void Finish(ProgressTask bar)
    {
        if (bar.IsFinished) return;
        if (!bar.IsStarted) bar.StartTask();
        bar.Value = bar.MaxValue;
        bar.StopTask();
    }

    static string Label(RunStage stage) => stage switch
    {
        RunStage.Sft => "SFT policy",
        RunStage.RewardModel => "reward model",
        RunStage.Policy => "RLOO",
        RunStage.Evaluation => "evaluation",
        _ => stage.ToWire(),
    };
}
