using Microsoft.Extensions.Logging.Abstractions;

namespace RlhfPlatform.Grains.Tests;

/// <summary>Grains are spread over a silo's devices as they activate; each keeps its models and tensors on its own.</summary>
public sealed class DeviceAssignmentTests
{
    [Fact]
    public void CudaSilosHandOutTheirDevicesInTurn()
    {
        using var compute = new ComputeQueue(new ComputeOptions { Device = "cuda", DeviceCount = 3, Workers = 3 }, NullLogger<ComputeQueue>.Instance);
        Assert.Equal(["cuda:0", "cuda:1", "cuda:2", "cuda:0", "cuda:1"], Enumerable.Range(0, 5).Select(_ => compute.AssignDevice()));
    }

    [Fact]
    public void CpuSilosPutEveryGrainOnTheCpu()
    {
        using var compute = new ComputeQueue(new ComputeOptions { Device = "cpu", DeviceCount = 2, Workers = 2 }, NullLogger<ComputeQueue>.Instance);
        Assert.All(Enumerable.Range(0, 3).Select(_ => compute.AssignDevice()), device => Assert.Equal("cpu", device));
    }
}
