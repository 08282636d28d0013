namespace RlhfPlatform.NativeSafety.Tests;

/// <summary>
/// Forces full collections and runs finalizers on a background thread for as long as it lives: any
/// TorchSharp object that native code still reads but nothing references is freed within
/// microseconds, so a broken Scalar rule fails in seconds instead of once in a long run.
/// </summary>
public sealed class GcStress : IDisposable
{
    readonly Thread thread;
    volatile bool stopping;
    long collections;

    public GcStress()
    {
        thread = new Thread(Loop) { IsBackground = true, Name = "gc-stress" };
        thread.Start();
    }

    public long Collections => Interlocked.Read(ref collections);

    void Loop()
    {
        while (!stopping)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref collections);
        }
    }

    public void Dispose()
    {
        stopping = true;
        thread.Join();
    }
}
