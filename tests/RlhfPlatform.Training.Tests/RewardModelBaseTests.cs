using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Training.RewardModels;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

public class RewardModelBaseTests
{
    [Fact]
    public void ARewardModelStartsFromACausalLmFolderWithAFreshHead()
    {
        string folder = Directory.CreateTempSubdirectory("rm-base-").FullName;
        try
        {
            manual_seed(4);
            using var lm = new CausalLm(TinyRewardSetup.Config("none"));
            ModelCheckpoint.Save(lm, lm.Config, TinyRewardSetup.Tokenizer, folder);
            using var rm = RewardModelBase.FromFolder(folder, "mlp", seed: 9);
            Assert.Equal("mlp", rm.Config.RewardHead);
            var lmState = lm.state_dict();
            foreach (var (name, tensor) in rm.state_dict())
            {
                if (name.StartsWith("score.", StringComparison.Ordinal)) continue;
                Assert.True(lmState[name].data<float>().SequenceEqual(tensor.data<float>()), $"{name} was not copied from the base");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
