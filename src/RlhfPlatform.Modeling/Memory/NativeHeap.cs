using System.Runtime.InteropServices;

namespace RlhfPlatform.Modeling.Memory;

/// <summary>
/// Bytes the process holds from glibc's malloc (mallinfo2: uordblks + hblkhd, every arena). libtorch's
/// CPU allocator takes tensor storage from posix_memalign, so differences of this figure around a
/// step are its tensor bytes (plus a few hundred bytes of bookkeeping per tensor); the .NET heap is
/// not malloc'd and does not count.
/// </summary>
public static class NativeHeap
{
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>Bytes in use now; throws where glibc's mallinfo2 is not available.</summary>
    public static long AllocatedBytes()
    {
        if (!IsAvailable) throw new PlatformNotSupportedException("measuring tensor memory needs glibc's mallinfo2 (Linux)");
        var info = Native.mallinfo2();
        return checked((long)(info.uordblks + info.hblkhd));
    }

    static bool Probe()
    {
        try
        {
            Native.mallinfo2();
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    static class Native
    {
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for the struct return
        [DllImport("libc")]
        public static extern MallInfo2 mallinfo2();
#pragma warning restore SYSLIB1054
    }
}
