using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

public class TorchLoadsTests
{
    [Fact]
    public void CpuTensorsAutogradAndAdamWWork()
    {
        var w = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, -2f }));
        var opt = optim.AdamW([w], lr: 0.1);
        var loss = (w * w).sum();
        loss.backward();
        Assert.Equal(new float[] { 2f, -4f }, w.grad!.data<float>().ToArray());
        opt.step();
        Assert.True(w.data<float>()[0] < 1f);
    }
}
