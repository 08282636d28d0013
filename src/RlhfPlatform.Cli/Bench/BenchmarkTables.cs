using System.Globalization;
using RlhfPlatform.Modeling.Benchmarks;
using Spectre.Console;

namespace RlhfPlatform.Cli.Bench;

/// <summary>`rlhf bench model` as tables, one per section.</summary>
public static class BenchmarkTables
{
    /// <summary>The widest table (training steps, twelve columns) unbroken.</summary>
    const int RedirectedWidth = 200;

    public static void Print(BenchmarkReport report)
    {
        // Written to a file or a pipe, Spectre assumes 80 columns and breaks every wide table cell by cell.
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < RedirectedWidth) AnsiConsole.Profile.Width = RedirectedWidth;
        var env = report.Environment;
        AnsiConsole.MarkupLine($"[bold]rlhf bench model[/] on {env.Device}: {env.TorchThreads} torch threads, {env.LogicalProcessors} logical processors" +
                               $"{(env.Quick ? ", quick sizes" : "")}, {F(env.TotalSeconds, 1)} s");
        AnsiConsole.MarkupLine($"load average (1 min) {F(env.LoadAverage1mAtStart, 2)} at start, {F(env.LoadAverage1mAtEnd, 2)} at end: " +
                               "other processes on the machine lower every figure");

        var gemm = new Table().Title("GEMM (square fp32 matmul, 2·n³ FLOPs, best repetition)").AddColumns("n", "best s", "GFLOP/s");
        foreach (var size in report.Gemm.Sizes) gemm.AddRow(size.N.ToString(CultureInfo.InvariantCulture), F(size.BestSeconds, 5), F(size.GflopsPerSecond, 1));
        gemm.Caption($"practical peak {F(report.Gemm.PeakGflopsPerSecond, 1)} GFLOP/s; bf16 at that size {F(report.Gemm.Bf16PeakGflopsPerSecond, 1)} GFLOP/s");
        AnsiConsole.Write(gemm);

        var train = new Table().Title("training step (forward + backward + AdamW)")
            .AddColumns("model", "variant", "params", "trained", "batch × seq", "best s/step", "mean s/step", "tokens/s", "GFLOP/step", "GFLOP/s", "of fp32 peak", "of own-dtype peak");
        foreach (var size in report.Train.Sizes)
            train.AddRow(size.Name, size.Variant, size.Parameters.ToString("N0", CultureInfo.InvariantCulture), size.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture),
                $"{size.Batch} × {size.SequenceLength}",
                F(size.BestSecondsPerStep, 3), F(size.MeanSecondsPerStep, 3), F(size.TokensPerSecond, 0), F(size.GflopPerStep, 2), F(size.AchievedGflopsPerSecond, 1),
                size.RatioToGemmPeak.ToString("P1", CultureInfo.InvariantCulture), size.RatioToSamePrecisionGemmPeak.ToString("P1", CultureInfo.InvariantCulture));
        train.Caption(Markup.Escape("rates from the best step; FLOPs " + report.Train.FlopFormula));
        AnsiConsole.Write(train);

        var checkpointing = new Table().Title("training step with gradient checkpointing (activation bytes per token held between forward and backward)")
            .AddColumns("model", "batch × seq", "plain B/token", "checkpointed B/token", "planned plain", "planned checkpointed", "plain s/step", "checkpointed s/step", "time ratio");
        foreach (var size in report.Checkpointing.Sizes)
            checkpointing.AddRow(size.Name, $"{size.Batch} × {size.SequenceLength}", F(size.ActivationBytesPerToken, 0), F(size.CheckpointedActivationBytesPerToken, 0),
                F(size.PlannedActivationBytesPerToken, 0), F(size.PlannedCheckpointedActivationBytesPerToken, 0),
                F(size.BestSecondsPerStep, 3), F(size.CheckpointedBestSecondsPerStep, 3), F(size.CheckpointedStepTimeRatio, 2));
        checkpointing.Caption(Markup.Escape(report.Checkpointing.Method));
        AnsiConsole.Write(checkpointing);

        var decode = new Table().Title($"decode, batch 1, {report.Decode.Model} ({report.Decode.Parameters:N0} params), prompt {report.Decode.PromptTokens} tokens")
            .AddColumns("KV cache", "new tokens", "tokens/s", "ms/token at start", "ms/token at end", "end / start");
        foreach (var mode in report.Decode.Modes)
            foreach (var length in mode.Lengths)
                decode.AddRow(mode.KvCache ? "yes" : "no", length.NewTokens.ToString(CultureInfo.InvariantCulture), F(length.TokensPerSecond, 1),
                    F(length.MillisecondsPerTokenAtStart, 2), F(length.MillisecondsPerTokenAtEnd, 2), F(length.EndToStartRatio, 2));
        decode.Caption(Markup.Escape(report.Decode.Method));
        AnsiConsole.Write(decode);

        var batch = new Table().Title($"batched generation with KV cache, {report.BatchGeneration.NewTokensPerRow} new tokens per row")
            .AddColumns("batch", "s", "tokens/s", "ms/step");
        foreach (var size in report.BatchGeneration.Sizes)
            batch.AddRow(size.Batch.ToString(CultureInfo.InvariantCulture), F(size.Seconds, 2), F(size.TokensPerSecond, 0), F(size.MillisecondsPerStep, 2));
        AnsiConsole.Write(batch);
    }

    static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
