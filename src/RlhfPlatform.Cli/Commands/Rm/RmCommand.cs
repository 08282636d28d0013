using System.CommandLine;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>`rlhf rm ...`: reward models outside a run.</summary>
public static class RmCommand
{
    public static Command Create() => new("rm", "Train, evaluate, score and compare reward models")
    {
        RmTrainCommand.Create(),
        RmEvalCommand.Create(),
        RmScoreCommand.Create(),
        RmSynthCommand.Create(),
        RmCompareCommand.Create(),
    };
}
