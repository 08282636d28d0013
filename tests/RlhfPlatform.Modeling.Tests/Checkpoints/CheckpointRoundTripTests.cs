using RlhfPlatform.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpoints;

public sealed class CheckpointRoundTripTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-ckpt-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void SavedPolicyLoadsBitIdenticalWithHfNames()
    {
        using var model = TinyModels.Policy();
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder);
        using var loaded = ModelCheckpoint.LoadCausalLm(folder);

        var before = model.state_dict();
        var after = loaded.state_dict();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.Contains("model.layers.1.self_attn.q_proj.weight", after.Keys);
        Assert.Contains("model.embed_tokens.weight", after.Keys);
        Assert.Contains("lm_head.weight", after.Keys);
        foreach (var (name, t) in before)
            Assert.True(t.bytes.SequenceEqual(after[name].bytes), $"{name} differs after the round trip");
    }

    [Fact]
    public void RewardModelWithMlpHeadRoundTrips()
    {
        manual_seed(3);
        using var model = new RewardModel(TinyModels.Config("mlp"));
        model.eval();
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder);
        using var loaded = ModelCheckpoint.LoadRewardModel(folder);
        loaded.eval();
        using var ids = tensor(new long[] { 256, 97, 98, 257 }).unsqueeze(0);
        using var mask = ones_like(ids);
        Assert.Equal(model.Rewards(ids, mask).Rewards.item<float>(), loaded.Rewards(ids, mask).Rewards.item<float>());
        Assert.Contains("score.1.weight", loaded.state_dict().Keys);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var model = TinyModels.Policy();
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder);
        string weights = Path.Combine(folder, ModelCheckpoint.WeightsFile);
        var tensors = SafeTensors.Read(weights);
        tensors.Remove("model.norm.weight");
        SafeTensors.Write(weights, tensors.Select(kv => (kv.Key, kv.Value)));
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("missing tensors: model.norm.weight", error.Message);
    }

    [Fact]
    public void TruncatedFileGivesClearError()
    {
        using var model = TinyModels.Policy();
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder);
        string weights = Path.Combine(folder, ModelCheckpoint.WeightsFile);
        using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(stream.Length / 2);
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("truncated", error.Message);
    }
}
