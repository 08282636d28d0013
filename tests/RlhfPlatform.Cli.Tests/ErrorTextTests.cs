using System.Runtime.InteropServices;
using RlhfPlatform.Contracts;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Tests;

/// <summary>The one-line error text, on real exceptions: a libtorch error raised through TorchSharp, and .NET ones.</summary>
public sealed class ErrorTextTests
{
    /// <summary>
    /// A shape error from libtorch. mm, not matmul: TorchSharp 0.107's native matmul has no C++ catch,
    /// so its errors terminate the process instead of becoming an ExternalException.
    /// </summary>
    static ExternalException NativeError()
    {
        using var a = ones(2, 3);
        return Assert.ThrowsAny<ExternalException>(() => { using var product = a.mm(a); });
    }

    [Fact]
    public void NativeErrorKeepsOnlyItsFirstLine()
    {
        var native = NativeError();
        Assert.Contains("Exception raised from", native.Message); // what libtorch hands over: cause, then C++ frames

        string line = ErrorText.Of(native);
        Assert.Equal("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", line);
    }

    [Fact]
    public void StageNamesTheFailureAndTheInnermostStageWins()
    {
        var native = NativeError();
        Assert.Equal("rm train step 37: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", ErrorText.Of("rm train step 37", native));

        var staged = Assert.Throws<StageException>(() => StageException.In<int>(() => "reward-model bt step 12", () => throw native));
        Assert.Equal("reward-model bt step 12: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", ErrorText.Of("reward-model", staged));
        Assert.Same(native, staged.InnerException);
        Assert.Equal(staged.Message, ErrorText.Of("run", new AggregateException(staged)));
    }

    [Fact]
    public void UnexpectedDotNetErrorsKeepTheirTypeAndExplainedOnesDoNot()
    {
        var missingKey = Assert.Throws<KeyNotFoundException>(() => new Dictionary<string, int>()["rm/loss"]);
        Assert.Equal($"KeyNotFoundException: {missingKey.Message}", ErrorText.Of(missingKey));
        Assert.Equal("no such file: x.jsonl", ErrorText.Of(new FileNotFoundException("no such file: x.jsonl")));
        Assert.Equal("cancelled", ErrorText.Of(new TaskCanceledException()));
        Assert.Equal("first second", ErrorText.Of(new InvalidDataException("first\nsecond")));
    }

    [Fact]
    public void CancellationPassesThroughAStage()
    {
        Assert.Throws<OperationCanceledException>(() => StageException.In<int>(() => "sft step 3", () => throw new OperationCanceledException()));
    }
}
