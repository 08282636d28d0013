namespace RlhfPlatform.Contracts;

/// <summary>Lifecycle of a run. Terminal states: Completed, Failed, Cancelled.</summary>
public enum RunStatus { Pending, Running, Completed, Failed, Cancelled }

/// <summary>The stage a run is in; a run walks them in this order.</summary>
public enum RunStage { Pending, Sft, RewardModel, Policy, Evaluation, Done }

public static class RunStatusExtensions
{
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;

    public static string ToWire(this RunStatus status) => status.ToString().ToLowerInvariant();

    public static string ToWire(this RunStage stage) => stage switch
    {
        RunStage.RewardModel => "reward-model",
        _ => stage.ToString().ToLowerInvariant(),
    };

    public static RunStatus ParseRunStatus(string wire) =>
        Enum.TryParse<RunStatus>(wire, ignoreCase: true, out var s) ? s
            : throw new FormatException($"unknown run status '{wire}'");

    public static RunStage ParseRunStage(string wire) =>
        wire == "reward-model" ? RunStage.RewardModel
        : Enum.TryParse<RunStage>(wire, ignoreCase: true, out var s) ? s
        : throw new FormatException($"unknown run stage '{wire}'");
}
