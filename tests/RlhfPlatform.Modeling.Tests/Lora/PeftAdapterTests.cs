using System.Text.Json.Nodes;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Lora;

public sealed class PeftAdapterTests : IDisposable
{
    static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Lora", "Fixtures", "tinyllama-lora", PeftAdapterConfig.FileName);

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-peft-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static IEnumerable<string> PeftNames(int layers, IEnumerable<string> modules) =>
        from layer in Enumerable.Range(0, layers)
        from module in modules
        from matrix in new[] { "lora_A", "lora_B" }
        select $"base_model.model.model.layers.{layer}.{(module.EndsWith("_proj") && module is "gate_proj" or "up_proj" or "down_proj" ? "mlp" : "self_attn")}.{module}.{matrix}.weight";

    [Fact]
    public void SavedAdapterHasPeftNamesAndConfigAndLoadsIntoAFreshBase()
    {
        using var model = TinyModels.Policy(seed: 5);
        using var fresh = LoraModels.CopyOf(model, c => new CausalLm(c));
        LoraModel.Attach(model, LoraModels.AllSeven with { Dropout = 0.05 }, seed: 2);
        LoraModels.RandomizeB(model);
        model.eval();
        using var adapted = LoraModels.Logits(model);
        PeftAdapter.Save(model, folder, "org/tiny-base");

        var header = SafeTensors.ReadHeader(Path.Combine(folder, PeftAdapter.WeightsFile));
        Assert.Equal(PeftNames(2, LoraOptions.AllTargetModules).Order(StringComparer.Ordinal), header.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([4L, 32L], header["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].Shape);
        Assert.Equal([16L, 4L], header["base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight"].Shape);
        Assert.Equal([88L, 4L], header["base_model.model.model.layers.0.mlp.up_proj.lora_B.weight"].Shape);
        Assert.All(header.Values, e => Assert.Equal(ScalarType.Float32, e.Dtype));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterConfig.FileName)))!.AsObject();
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal(4, (int)config["r"]!);
        Assert.Equal(8, (int)config["lora_alpha"]!);
        Assert.Equal(0.05, (double)config["lora_dropout"]!);
        Assert.Equal(LoraOptions.AllTargetModules, config["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("CAUSAL_LM", (string?)config["task_type"]);
        Assert.Equal("org/tiny-base", (string?)config["base_model_name_or_path"]);
        Assert.Equal("none", (string?)config["bias"]);
        Assert.False((bool)config["fan_in_fan_out"]!);
        Assert.False((bool)config["use_dora"]!);
        Assert.False((bool)config["use_rslora"]!);
        Assert.True(config.ContainsKey("modules_to_save") && config["modules_to_save"] is null);
        Assert.Empty(config["rank_pattern"]!.AsObject());

        var loaded = PeftAdapter.Load(fresh, folder);
        Assert.Equal("org/tiny-base", loaded.BaseModelNameOrPath);
        fresh.eval();
        using var reloaded = LoraModels.Logits(fresh);
        Assert.True(reloaded.eq(adapted).all().item<bool>(), "the reloaded adapter computes other logits");
    }

    [Fact]
    public void RewardModelAdapterSavesTheScoreHeadUnderPeftsModulesToSaveName()
    {
        using var model = LoraModels.RewardModel(seed: 3);
        using var fresh = LoraModels.CopyOf(model, c => new RewardModel(c));
        LoraModel.Attach(model, LoraModels.AllSeven with { TargetModules = ["q_proj", "v_proj"] }, seed: 2);
        LoraModels.RandomizeB(model);
        using (no_grad()) model.state_dict()["score.weight"].add_(1.0);
        model.eval();
        using var rewards = LoraModels.Rewards(model);
        PeftAdapter.Save(model, folder, "tiny-rm");

        var header = SafeTensors.ReadHeader(Path.Combine(folder, PeftAdapter.WeightsFile));
        Assert.Contains("base_model.model.score.weight", header.Keys);
        Assert.Equal(PeftNames(2, ["q_proj", "v_proj"]).Append("base_model.model.score.weight").Order(StringComparer.Ordinal), header.Keys.Order(StringComparer.Ordinal));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterConfig.FileName)))!.AsObject();
        Assert.Equal("SEQ_CLS", (string?)config["task_type"]);
        Assert.Equal(["score"], config["modules_to_save"]!.AsArray().Select(n => (string)n!));

        PeftAdapter.Load(fresh, folder);
        fresh.eval();
        using var reloaded = LoraModels.Rewards(fresh);
        Assert.True(reloaded.eq(rewards).all().item<bool>(), "the reloaded adapter and head give other rewards");
        Assert.Contains("score.weight", LoraModel.TrainableParameters(fresh).Select(p => p.Name));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void APeftAdapterFolderFromElsewhereLoads(bool withAdapterName, bool rsLora)
    {
        // The real config (r 16, alpha 32, all seven projections) unchanged but for use_rslora in one case; the
        // weights are random, named as PEFT names them (with or without the adapter name "default").
        var json = JsonNode.Parse(File.ReadAllText(Fixture))!.AsObject();
        json["use_rslora"] = rsLora;
        File.WriteAllText(Path.Combine(folder, PeftAdapterConfig.FileName), json.ToJsonString());
        double scale = rsLora ? 32.0 / Math.Sqrt(16) : 32.0 / 16;
        using var reference = TinyModels.Policy(seed: 9);
        using var model = LoraModels.CopyOf(reference, c => new CausalLm(c));
        var tensors = new List<(string, Tensor)>();
        foreach (var (path, module) in reference.named_modules().Where(m => m.module is Layers.Projection))
        {
            var projection = (Layers.Projection)module;
            var a = randn(16, projection.InFeatures).mul(0.1);
            var b = randn(projection.OutFeatures, 16).mul(0.1);
            string segment = withAdapterName ? ".default" : "";
            tensors.Add(($"base_model.model.{path}.lora_A{segment}.weight", a));
            tensors.Add(($"base_model.model.{path}.lora_B{segment}.weight", b));
            using (no_grad()) projection.Weight.add_(b.mm(a).mul(scale));   // W + scale·B·A, by hand
        }
        SafeTensors.Write(Path.Combine(folder, PeftAdapter.WeightsFile), tensors);
        reference.eval();
        using var expected = LoraModels.Logits(reference);

        var config = PeftAdapter.Load(model, folder);
        Assert.Equal((16, 32.0, 0.05), (config.Options.Rank, config.Options.Alpha, config.Options.Dropout));
        Assert.Equal("TinyLlama/TinyLlama-1.1B-Chat-v1.0", config.BaseModelNameOrPath);
        Assert.Equal(LoraOptions.AllTargetModules.Order(), config.Options.TargetModules.Order());
        model.eval();
        using var logits = LoraModels.Logits(model);
        double difference = logits.sub(expected).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"logits differ from the hand-merged model by {difference:E3}");
        foreach (var (_, t) in tensors) t.Dispose();
    }

    public static TheoryData<string, string, string> BadConfigs => new()
    {
        { "peft_type", "\"IA3\"", "peft_type 'IA3' is not supported (LORA only)" },
        { "use_dora", "true", "use_dora true (DoRA) is not supported" },
        { "fan_in_fan_out", "true", "fan_in_fan_out true (fan-in-fan-out (Conv1D) weights) is not supported" },
        { "bias", "\"all\"", "bias 'all' is not supported" },
        { "lora_bias", "true", "lora_bias true (a bias on lora_B) is not supported" },
        { "rank_pattern", "{\"q_proj\": 8}", "rank_pattern (per-module ranks or alphas) is not supported" },
        { "alpha_pattern", "{\"q_proj\": 8}", "alpha_pattern (per-module ranks or alphas) is not supported" },
        { "layers_to_transform", "[0]", "layers_to_transform is not supported; it must be null" },
        { "target_modules", "[\"q_proj\", \"c_attn\"]", "target_modules 'c_attn' are not projections this model has (allowed: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)" },
        { "target_modules", "\".*q_proj\"", "target_modules as a regular expression ('.*q_proj') is not supported" },
        { "init_lora_weights", "\"pissa\"", "init_lora_weights 'pissa' rewrites the base weights" },
        { "r", "0", "rank (r) must be at least 1 (got 0)" },
        { "lora_dropout", "1.5", "dropout must be in [0, 1) (got 1.5)" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void ConfigsWeCannotHonourAreRefusedByName(string key, string json, string message)
    {
        var config = JsonNode.Parse(File.ReadAllText(Fixture))!.AsObject();
        config[key] = JsonNode.Parse(json);
        File.WriteAllText(Path.Combine(folder, PeftAdapterConfig.FileName), config.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapterConfig.Read(folder));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void EveryRefusalIsListedInOneError()
    {
        var config = JsonNode.Parse(File.ReadAllText(Fixture))!.AsObject();
        config["use_dora"] = true;
        config["bias"] = "lora_only";
        config["r"] = -1;
        File.WriteAllText(Path.Combine(folder, PeftAdapterConfig.FileName), config.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapterConfig.Read(folder));
        Assert.Contains("use_dora true", error.Message);
        Assert.Contains("bias 'lora_only'", error.Message);
        Assert.Contains("rank (r) must be at least 1 (got -1)", error.Message);
    }

    [Fact]
    public void TensorsThatDoNotFitAreAllListedAndTheModelIsLeftAlone()
    {
        using var model = TinyModels.Policy();
        LoraModel.Attach(model, LoraModels.AllSeven with { TargetModules = ["q_proj", "v_proj"] });
        PeftAdapter.Save(model, folder, null);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterConfig.FileName)))!.AsObject();
        config["r"] = 2;
        config["target_modules"] = new JsonArray("q_proj", "v_proj", "o_proj");
        File.WriteAllText(Path.Combine(folder, PeftAdapterConfig.FileName), config.ToJsonString());

        using var fresh = TinyModels.Policy();
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(fresh, folder));
        Assert.Contains("missing tensors: base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight", error.Message);
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight (file [4, 32], model [2, 32])", error.Message);
        Assert.Contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight (file [16, 4], model [16, 2])", error.Message);
        Assert.False(LoraModel.HasAdapters(fresh));
    }

    [Fact]
    public void FolderKindsAndBaseWithAdapterLoading()
    {
        string baseFolder = Path.Combine(folder, "base"), adapterFolder = Path.Combine(folder, "adapter");
        using var model = TinyModels.Policy(seed: 6);
        ModelCheckpoint.Save(model, model.Config, TinyModels.Tokenizer, baseFolder);
        LoraModel.Attach(model, LoraModels.AllSeven, seed: 1);
        LoraModels.RandomizeB(model);
        PeftAdapter.Save(model, adapterFolder, baseFolder);
        Assert.Equal(ModelFolderKind.HfModel, AdapterCheckpoint.KindOf(baseFolder));
        Assert.Equal(ModelFolderKind.PeftAdapter, AdapterCheckpoint.KindOf(adapterFolder));
        Assert.Throws<InvalidDataException>(() => AdapterCheckpoint.KindOf(folder));

        model.eval();
        using var expected = LoraModels.Logits(model);
        using var loaded = AdapterCheckpoint.LoadCausalLmWithAdapter(baseFolder, adapterFolder);
        loaded.eval();
        using var logits = LoraModels.Logits(loaded);
        Assert.True(logits.eq(expected).all().item<bool>());
        using var rewardModel = LoraModels.RewardModel();
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(rewardModel, adapterFolder));
        Assert.Contains("task_type CAUSAL_LM does not fit a RewardModel (SEQ_CLS)", error.Message);
    }

    [Fact]
    public void ARewardModelAdapterLoadsOnTheCausalLmItWasTrainedFrom()
    {
        string baseFolder = Path.Combine(folder, "policy"), adapterFolder = Path.Combine(folder, "adapter");
        using var policy = TinyModels.Policy(seed: 8);
        ModelCheckpoint.Save(policy, policy.Config, TinyModels.Tokenizer, baseFolder);
        using var rewardModel = new RewardModel(policy.Config);
        var policyState = policy.state_dict();
        using (no_grad())
            foreach (var (name, tensor) in rewardModel.state_dict().Where(kv => policyState.ContainsKey(kv.Key))) tensor.copy_(policyState[name]);
        LoraModel.Attach(rewardModel, LoraModels.AllSeven, seed: 1);
        LoraModels.RandomizeB(rewardModel);
        PeftAdapter.Save(rewardModel, adapterFolder, baseFolder);
        rewardModel.eval();
        using var expected = LoraModels.Rewards(rewardModel);

        using var loaded = AdapterCheckpoint.LoadRewardModelWithAdapter(baseFolder, adapterFolder);
        loaded.eval();
        using var rewards = LoraModels.Rewards(loaded);
        Assert.True(rewards.eq(expected).all().item<bool>(), "the reward model on its policy base gives other rewards");
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadRewardModel(baseFolder));
        Assert.Contains("missing tensors: score.weight", error.Message);
    }
}
