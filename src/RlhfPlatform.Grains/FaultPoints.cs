using System.Diagnostics;

namespace RlhfPlatform.Grains;

/// <summary>
/// Fault injection for fault tests: when RLHF_FAULTPOINT names a point this process reaches (for
/// example "after-checkpoint-commit:policy:4"), the process is killed there, as a power cut would;
/// "hang:POINT" blocks the thread reaching POINT for good, as a stuck device would.
/// Unset, every Hit is a comparison and nothing more.
/// </summary>
public static class FaultPoints
{
    static readonly string? Armed = Environment.GetEnvironmentVariable("RLHF_FAULTPOINT");

    public static void Hit(string point)
    {
        if (Armed is null || !string.Equals(Armed, point, StringComparison.Ordinal)) return;
        Console.Error.WriteLine($"fault point {point}: killing the process");
        Process.GetCurrentProcess().Kill();
    }

    public static void Hang(string point)
    {
        if (Armed is null || !string.Equals(Armed, "hang:" + point, StringComparison.Ordinal)) return;
        Console.Error.WriteLine($"fault point {point}: this thread hangs");
        Thread.Sleep(Timeout.Infinite);
    }
}
