using System.Text.RegularExpressions;
using RlhfPlatform.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Lora;

/// <summary>
/// A LoRA adapter folder in PEFT's layout: adapter_config.json plus adapter_model.safetensors whose tensors are
/// named as PEFT's get_peft_model_state_dict names them: "base_model.model." + module path + ".lora_A.weight" /
/// ".lora_B.weight", and for a module that trains fully (modules_to_save) its own state names under the same
/// prefix ("base_model.model.score.weight").
/// </summary>
public static partial class PeftAdapter
{
    public const string WeightsFile = "adapter_model.safetensors";
    public const string Prefix = "base_model.model.";

    /// <summary>Writes the model's adapters (and fully trained modules) as a PEFT adapter folder.</summary>
    /// <param name="taskType">PEFT's task_type; null takes the model's own (<see cref="IAdaptableModel"/>)</param>
    public static void Save(nn.Module model, string folder, string? baseModelNameOrPath, string? taskType = null)
    {
        var options = LoraModel.OptionsOf(model) ?? throw new InvalidOperationException("the model has no LoRA adapters to save");
        var modulesToSave = LoraModel.ModulesToSaveOf(model);
        Directory.CreateDirectory(folder);
        var tensors = LoraModel.Adapted(model).SelectMany(a => new[]
        {
            (Prefix + a.Path + "." + LoraAdapter.AName + ".weight", (Tensor)a.Projection.Adapter!.A.weight!),
            (Prefix + a.Path + "." + LoraAdapter.BName + ".weight", (Tensor)a.Projection.Adapter!.B.weight!),
        }).ToList();
        tensors.AddRange(FullyTrainedState(model, modulesToSave).Select(kv => (Prefix + kv.Key, kv.Value)));
        SafeTensors.Write(Path.Combine(folder, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        string? task = taskType ?? (model as IAdaptableModel)?.PeftTaskType;
        new PeftAdapterConfig(options, task, baseModelNameOrPath, modulesToSave).Write(folder);
    }

    /// <summary>
    /// Attaches the folder's adapter to a model without adapters and copies its tensors in. Names, shapes and the
    /// config are all checked first; every mismatch is listed in one error and the model is left untouched.
    /// </summary>
    public static PeftAdapterConfig Load(nn.Module model, string folder)
    {
        if (LoraModel.HasAdapters(model)) throw new InvalidOperationException("the model already has LoRA adapters");
        var config = PeftAdapterConfig.Read(folder);
        string weights = Path.Combine(folder, WeightsFile);
        if (!File.Exists(weights))
        {
            string hint = File.Exists(Path.Combine(folder, "adapter_model.bin")) ? " (adapter_model.bin is a pickle: convert it to safetensors)" : "";
            throw new FileNotFoundException($"no {WeightsFile} in adapter folder {folder}{hint}", weights);
        }
        if (model is IAdaptableModel adaptable && config.TaskType is { } task && task != adaptable.PeftTaskType)
            throw new InvalidDataException($"{Path.Combine(folder, PeftAdapterConfig.FileName)}: task_type {task} does not fit a {model.GetType().Name} ({adaptable.PeftTaskType})");

        var options = config.Options with { ModulesToSave = ModulesToSaveHere(model, config.ModulesToSave) };
        var expected = ExpectedShapes(model, options);
        using var file = SafeTensorsFile.Open(weights);
        var byOurName = new Dictionary<string, string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (string name in file.Entries.Keys)
        {
            string? ours = OurName(name);
            if (ours is not null && expected.ContainsKey(ours)) byOurName[ours] = name;
            else unexpected.Add(name);
        }
        var problems = new List<string>();
        var missing = expected.Keys.Where(k => !byOurName.ContainsKey(k)).Select(k => Prefix + k).ToList();
        var wrongShape = byOurName.Where(kv => !file.Entries[kv.Value].Shape.SequenceEqual(expected[kv.Key]))
            .Select(kv => $"{kv.Value} (file [{string.Join(", ", file.Entries[kv.Value].Shape)}], model [{string.Join(", ", expected[kv.Key])}])").ToList();
        if (missing.Count > 0) problems.Add("missing tensors: " + string.Join(", ", missing));
        if (unexpected.Count > 0) problems.Add("unexpected tensors: " + string.Join(", ", unexpected));
        if (wrongShape.Count > 0) problems.Add("wrong shapes: " + string.Join(", ", wrongShape));
        if (problems.Count > 0) throw new InvalidDataException($"{weights}: the adapter does not fit the model: {string.Join("; ", problems)}");

        LoraModel.Attach(model, options);
        try
        {
            var state = model.state_dict();
            foreach (var (ours, name) in byOurName) file.ReadInto(name, state[ours]);
        }
        catch
        {
            LoraModel.Detach(model);
            throw;
        }
        return config with { Options = options };
    }

    /// <summary>PEFT adds "classifier" and "score" to a SEQ_CLS model's modules_to_save whichever it has: keep the ones this model has.</summary>
    static List<string> ModulesToSaveHere(nn.Module model, IReadOnlyList<string> listed)
    {
        var own = (model as IAdaptableModel)?.FullyTrainedUnderLora ?? [];
        var paths = model.named_modules().Select(m => m.name).ToList();
        bool Exists(string name) => paths.Any(p => p == name || p.EndsWith("." + name, StringComparison.Ordinal));
        return listed.Where(m => !own.Contains(m) && (Exists(m) || m is not ("classifier" or "score"))).ToList();
    }

    /// <summary>Our state name ("model.layers.0.self_attn.q_proj.lora_A.weight", "score.weight") → shape, for the adapter the options describe.</summary>
    static Dictionary<string, long[]> ExpectedShapes(nn.Module model, LoraOptions options)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (path, projection) in LoraModel.Targets(model, options.TargetModules))
        {
            shapes[$"{path}.{LoraAdapter.AName}.weight"] = [options.Rank, projection.InFeatures];
            shapes[$"{path}.{LoraAdapter.BName}.weight"] = [projection.OutFeatures, options.Rank];
        }
        foreach (var (name, tensor) in FullyTrainedState(model, LoraModel.ModulesToSave(model, options)))
            shapes[name] = tensor.shape;
        return shapes;
    }

    static IEnumerable<KeyValuePair<string, Tensor>> FullyTrainedState(nn.Module model, IReadOnlyList<string> modulesToSave)
    {
        var prefixes = LoraModel.TrainedFullyPrefixes(model, modulesToSave);
        return model.state_dict().Where(kv => prefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal)));
    }

    /// <summary>A PEFT file name → ours: without "base_model.model.", the adapter name ("default") or the modules_to_save wrapper.</summary>
    static string? OurName(string fileName)
    {
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        string name = fileName[Prefix.Length..];
        name = AdapterNameSegment().Replace(name, ".lora_$1.weight");
        return name.Replace(".modules_to_save.default.", ".", StringComparison.Ordinal).Replace(".modules_to_save.", ".", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\.lora_(A|B)\.default\.weight$")]
    private static partial Regex AdapterNameSegment();
}
