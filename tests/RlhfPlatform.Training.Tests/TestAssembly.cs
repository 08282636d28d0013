using System.Runtime.CompilerServices;

// Model initialisation and dropout draw from libtorch's one process-wide CPU generator; test classes
// running in parallel would interleave their draws and break the exact-reproducibility tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace RlhfPlatform.Training.Tests;

static class TestAssembly
{
    /// <summary>The models here are tiny: one libtorch thread is as fast and does not spin against other work on a shared 2-core machine.</summary>
    [ModuleInitializer]
    internal static void UseOneTorchThread() => TorchSharp.torch.set_num_threads(1);
}
