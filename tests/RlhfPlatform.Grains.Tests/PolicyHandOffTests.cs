using RlhfPlatform.Grains;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Lora;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A trainer's lent policy: used in place on its device, copied elsewhere, and never touched after the trainer withdraws it.</summary>
public sealed class PolicyHandOffTests
{
    static CausalLm Model(long seed)
    {
        manual_seed(seed);
        return new CausalLm(ModelConfig.Small(20, 16, 1, 2, 16, 1, 2, 0));
    }

    [Fact]
    public void ALentVersionIsUsedInPlaceOnlyForThatVersionOnThatDeviceUntilWithdrawn()
    {
        var handOff = new PolicyHandOff();
        using var trainer = Model(1);
        handOff.Lend("run", 3, trainer, "cpu");

        Assert.True(handOff.Lends("run", 3, "cpu", out bool adapters));
        Assert.False(adapters);
        Assert.True(handOff.TryUse("run", 3, "cpu", lent => ReferenceEquals(lent, trainer), out bool same));
        Assert.True(same);
        Assert.False(handOff.Lends("run", 2, "cpu", out _));
        Assert.False(handOff.TryUse("run", 3, "cuda:0", _ => true, out _));
        Assert.False(handOff.TryUse("other-run", 3, "cpu", _ => true, out _));

        handOff.Withdraw("run");
        Assert.False(handOff.Lends("run", 3, "cpu", out _));
        Assert.False(handOff.TryUse("run", 3, "cpu", _ => true, out _));
    }

    [Fact]
    public async Task WithdrawingWaitsForAUseInProgress()
    {
        var handOff = new PolicyHandOff();
        using var trainer = Model(1);
        handOff.Lend("run", 1, trainer, "cpu");
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var use = Task.Run(() => handOff.TryUse("run", 1, "cpu", _ => { inside.Set(); release.Wait(); return 1; }, out _));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));

        var withdraw = Task.Run(() => handOff.Withdraw("run"));
        var early = await Task.WhenAny(withdraw, Task.Delay(300));
        Assert.True(early != withdraw, "the trainer took its weights back while a generator sampled from them");
        release.Set();
        await withdraw.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await use);
    }

    [Fact]
    public void ACopyIntoAnotherModelGivesTheLentWeightsAndAMismatchedModelIsRefused()
    {
        var handOff = new PolicyHandOff();
        using var trainer = Model(1);
        using var held = Model(2);
        handOff.Lend("run", 5, trainer, "cpu");
        Assert.True(handOff.TryCopyInto("run", 5, held));
        foreach (var (name, tensor) in trainer.state_dict())
            Assert.True(tensor.equal(held.state_dict()[name]).all().item<bool>(), name);

        using var wider = new CausalLm(ModelConfig.Small(20, 32, 1, 2, 16, 1, 2, 0));
        Assert.False(handOff.TryCopyInto("run", 5, wider));
        Assert.False(handOff.TryCopyInto("run", 4, held));
    }

    [Fact]
    public void ALoanSaysWhetherTheLentModelCarriesAdapters()
    {
        var handOff = new PolicyHandOff();
        using var trainer = Model(1);
        LoraModel.Attach(trainer, new LoraOptions { Rank = 2, Alpha = 4 }, seed: 3);
        handOff.Lend("run", 1, trainer, "cpu");
        Assert.True(handOff.Lends("run", 1, "cpu", out bool adapters));
        Assert.True(adapters);
    }
}
