using System.Buffers.Binary;
using System.Text;
using RlhfPlatform.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpoints;

public sealed class HfCheckpointTests : IDisposable
{
    // The file's fp16/bf16 values are the in-memory model's rounded values, so fp32 loading must
    // reproduce them exactly; the same forward on equal weights may still differ in the last bit.
    const float Fp32Tolerance = 1e-6f;
    // bf16 keeps 8 mantissa bits: relative error about 4e-3 per op; logits of this tiny model are O(0.1..1).
    const float Bf16Tolerance = 5e-2f;

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-hf-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static readonly long[] Tokens = [1, 5, 9, 17, 30, 2, 7];

    CausalLm WriteQwen2Folder()
    {
        HfFolders.WriteConfig(folder, HfFolders.Qwen2Config);
        manual_seed(11);
        var reference = new CausalLm(ModelConfigFile.Read(folder));
        HfFolders.RandomizeBiases(reference);
        HfFolders.WriteHalfPrecisionShards(reference, folder);
        reference.eval();
        return reference;
    }

    static float[] LogitsOf(CausalLm model)
    {
        using var noGrad = no_grad();
        using var ids = tensor(Tokens).unsqueeze(0).to(model.parameters().First().device);
        using var logits = model.forward(ids);
        return logits.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    [Fact]
    public void Qwen2ShapedShardedHalfPrecisionFolderGivesTheSameLogits()
    {
        using var reference = WriteQwen2Folder();
        using var loaded = ModelCheckpoint.LoadCausalLm(folder);
        loaded.eval();

        var config = loaded.Config;
        Assert.Equal([2, 3], config.EosTokenIds);
        Assert.Equal(2, config.PadTokenId);
        Assert.True(config.TieWordEmbeddings);
        var names = loaded.state_dict().Keys.ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Contains("model.layers.1.self_attn.v_proj.bias", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.All(loaded.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));

        var expected = LogitsOf(reference);
        var actual = LogitsOf(loaded);
        Assert.Equal(expected.Length, actual.Length);
        float worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= Fp32Tolerance, $"largest logit difference {worst}");
    }

    [Fact]
    public void Bf16LoadOptionKeepsWeightsInBf16AndLogitsClose()
    {
        using var reference = WriteQwen2Folder();
        using var loaded = ModelCheckpoint.LoadCausalLm(folder, new ModelLoadOptions { Dtype = ScalarType.BFloat16 });
        loaded.eval();
        Assert.All(loaded.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        float worst = LogitsOf(reference).Zip(LogitsOf(loaded), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= Bf16Tolerance, $"largest logit difference {worst}");
    }

    [Fact]
    public void TiedCheckpointMayCarryLmHeadAndOldRotaryBuffers()
    {
        using var reference = WriteQwen2Folder();
        string shard = Path.Combine(folder, HfFolders.ShardName(1));
        var tensors = SafeTensors.Read(shard);
        tensors["lm_head.weight"] = zeros(40, 32);
        tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = ones(4);
        SafeTensors.Write(shard, tensors.Select(kv => (kv.Key, kv.Value)));
        using var loaded = ModelCheckpoint.LoadCausalLm(folder);
        Assert.Equal(LogitsOf(reference), LogitsOf(loaded));
    }

    [Fact]
    public void SaveShardsWhenOverTheLimitAndReloadsBitIdentical()
    {
        using var model = TinyModels.Policy(seed: 5);
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder, maxShardBytes: 40_000);
        Assert.True(File.Exists(Path.Combine(folder, WeightFiles.IndexFileName)));
        Assert.False(File.Exists(Path.Combine(folder, WeightFiles.SingleFileName)));
        int shards = Directory.GetFiles(folder, "model-*-of-*.safetensors").Length;
        Assert.True(shards > 1, $"{shards} shard(s)");
        using var loaded = ModelCheckpoint.LoadCausalLm(folder);
        foreach (var (name, t) in model.state_dict())
            Assert.True(t.bytes.SequenceEqual(loaded.state_dict()[name].bytes), $"{name} differs");

        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, folder);
        Assert.Empty(Directory.GetFiles(folder, "model-*-of-*.safetensors"));
        Assert.False(File.Exists(Path.Combine(folder, WeightFiles.IndexFileName)));
    }

    [Fact]
    public void WrongShapeIsNamedWithBothShapes()
    {
        using var reference = WriteQwen2Folder();
        string shard = Path.Combine(folder, HfFolders.ShardName(1));
        var tensors = SafeTensors.Read(shard);
        tensors["model.norm.weight"] = ones(31);
        SafeTensors.Write(shard, tensors.Select(kv => (kv.Key, kv.Value)));
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("wrong shapes: model.norm.weight (file [31], model [32])", error.Message);
    }

    [Fact]
    public void MissingShardIsNamed()
    {
        using var reference = WriteQwen2Folder();
        File.Delete(Path.Combine(folder, HfFolders.ShardName(1)));
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("missing", error.Message);
        Assert.Contains(HfFolders.ShardName(1), error.Message);
    }

    [Fact]
    public void TruncatedShardIsInvalidData()
    {
        using var reference = WriteQwen2Folder();
        string shard = Path.Combine(folder, HfFolders.ShardName(0));
        using (var stream = new FileStream(shard, FileMode.Open)) stream.SetLength(stream.Length - 10);
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("truncated", error.Message);
        Assert.Contains(HfFolders.ShardName(0), error.Message);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\", ", "not valid JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 1000000]}}", "declares shape [4]")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [250000], \"data_offsets\": [0, 1000000]}}", "truncated")]
    [InlineData("{\"a\": {\"dtype\": \"Q4\", \"shape\": [1], \"data_offsets\": [0, 1]}}", "unsupported dtype Q4")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}}", "negative dimension")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 16]}}", "impossible shape")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": \"x\"}}", "malformed header entry")]
    public void CorruptHeaderIsInvalidDataNeverACrash(string header, string expected)
    {
        string path = Path.Combine(folder, "bad.safetensors");
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsInvalidData()
    {
        string path = Path.Combine(folder, "bad.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
    }

    [Fact]
    public void TensorsAreReadPieceByPieceIntoTheirStorage()
    {
        string path = Path.Combine(folder, "t.safetensors");
        using var original = arange(0, 1000, dtype: ScalarType.Float32).reshape(10, 100);
        using var halves = randn(7, 3).to_type(ScalarType.BFloat16);
        SafeTensors.Write(path, [("a", original), ("b", halves)]);
        using var file = SafeTensorsFile.Open(path, maxChunkBytes: 52);
        using var read = file.Read("a");
        Assert.True(original.bytes.SequenceEqual(read.bytes));
        using var target = zeros(7, 3);
        file.ReadInto("b", target);
        Assert.True(target.eq(halves.to_type(ScalarType.Float32)).all().item<bool>());
    }
}
