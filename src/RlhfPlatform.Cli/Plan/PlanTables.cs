using System.Globalization;
using Spectre.Console;

namespace RlhfPlatform.Cli.Plan;

/// <summary>`rlhf plan` as a table: one row per role, bytes in binary units.</summary>
public static class PlanTables
{
    /// <summary>Fifteen columns need a wide terminal; a narrower one (or a pipe, 80 columns) gets one block of lines per role.</summary>
    const int TableWidth = 170;

    public static void Print(MemoryPlan plan)
    {
        if (AnsiConsole.Profile.Width < TableWidth)
        {
            PrintLines(plan);
            return;
        }
        var table = new Table().Title(Markup.Escape($"device memory per role: {plan.Source}{(plan.NamedModel is { } m ? $" with the {m} shape" : "")}"))
            .AddColumn(new TableColumn("role").NoWrap())
            .AddColumns("dtype", "params", "trainable", "rows × seq", "ckpt", "weights", "grads", "AdamW", "fp32 master",
                "activations", "transient", "KV cache", "total", $"fits {ByteSize.Format(plan.DeviceMemoryBytes)}");
        foreach (var r in plan.Roles)
            table.AddRow(Markup.Escape(r.Role), r.Dtype, Count(r.Parameters), Count(r.TrainableParameters),
                $"{r.Rows} × {r.SequenceLength}", r.GradientCheckpointing ? "yes" : "no",
                B(r.WeightBytes), B(r.GradientBytes), B(r.OptimizerBytes), B(r.MasterWeightBytes),
                B(r.ActivationBytes), B(r.TransientBytes), B(r.KvCacheBytes), B(r.TotalBytes), plan.Fits(r) ? "yes" : "[red]no[/]");
        table.Caption("training activations: what autograd keeps from forward to backward; transient: logits and their gradient, or one checkpointed block's recomputation");
        AnsiConsole.Write(table);
        // Plain text, so that the one figure people look for is never wrapped into pieces.
        Console.WriteLine($"all roles on one device: {ByteSize.Format(plan.TotalBytes)} of {ByteSize.Format(plan.DeviceMemoryBytes)} ({(plan.AllFitTogether ? "fits" : "does not fit")})");
    }

    static void PrintLines(MemoryPlan plan)
    {
        Console.WriteLine($"device memory per role: {plan.Source}{(plan.NamedModel is { } m ? $" with the {m} shape" : "")}");
        foreach (var r in plan.Roles)
        {
            Console.WriteLine();
            Console.WriteLine($"{r.Role}: {ByteSize.Format(r.TotalBytes)}, {(plan.Fits(r) ? "fits in" : "does not fit in")} {ByteSize.Format(plan.DeviceMemoryBytes)}");
            Console.WriteLine($"  {r.Dtype}, {Count(r.Parameters)} parameters ({Count(r.TrainableParameters)} trained), {r.Rows} × {r.SequenceLength} per forward" +
                              (r.GradientCheckpointing ? ", gradient checkpointing" : ""));
            Console.WriteLine($"  weights {B(r.WeightBytes)} · gradients {B(r.GradientBytes)} · AdamW {B(r.OptimizerBytes)} · fp32 master {B(r.MasterWeightBytes)}");
            Console.WriteLine($"  activations {B(r.ActivationBytes)} · transient {B(r.TransientBytes)} · KV cache {B(r.KvCacheBytes)}");
        }
        Console.WriteLine();
        Console.WriteLine("activations: what autograd keeps from forward to backward; transient: logits and their gradient, or one checkpointed block's recomputation");
        Console.WriteLine($"all roles on one device: {ByteSize.Format(plan.TotalBytes)} of {ByteSize.Format(plan.DeviceMemoryBytes)} ({(plan.AllFitTogether ? "fits" : "does not fit")})");
    }

    static string B(long bytes) => bytes == 0 ? "-" : ByteSize.Format(bytes);

    static string Count(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (n / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " M",
        _ => n.ToString("N0", CultureInfo.InvariantCulture),
    };
}
