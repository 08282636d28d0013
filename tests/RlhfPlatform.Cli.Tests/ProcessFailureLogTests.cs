using RlhfPlatform.Cli.Hosting;

namespace RlhfPlatform.Cli.Tests;

/// <summary>Only Orleans' end-of-stream marker is kept out of the unobserved-failure warnings.</summary>
public sealed class ProcessFailureLogTests
{
    [Fact]
    public void TheMarkerOfADisposedOrleansStreamIsRecognisedAndNothingElse()
    {
        // What Orleans' AsyncEnumerable.Dispose leaves in a task: created, never thrown.
        Assert.True(ProcessFailureLog.IsOrleansShutdownMarker(new AggregateException(new ObjectDisposedException("This instance has been disposed"))));

        Assert.False(ProcessFailureLog.IsOrleansShutdownMarker(new AggregateException(new ObjectDisposedException("ComputeQueue"))));
        Assert.False(ProcessFailureLog.IsOrleansShutdownMarker(new AggregateException(new InvalidOperationException("This instance has been disposed"))));
        Assert.False(ProcessFailureLog.IsOrleansShutdownMarker(new AggregateException(
            new ObjectDisposedException("This instance has been disposed"), new InvalidOperationException("another failure"))));
        try
        {
            throw new ObjectDisposedException("This instance has been disposed");
        }
        catch (ObjectDisposedException thrown)
        {
            // Thrown by code that used a disposed object: a real failure, whatever its name.
            Assert.False(ProcessFailureLog.IsOrleansShutdownMarker(new AggregateException(thrown)));
        }
    }
}
