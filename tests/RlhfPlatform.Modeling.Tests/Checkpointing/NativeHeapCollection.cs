namespace RlhfPlatform.Modeling.Tests.Checkpointing;

/// <summary>The native heap is one per process: tests that sample it run alone, never next to another test's tensors.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapCollection
{
    public const string Name = "native heap";
}
