using System.Runtime.CompilerServices;
using RlhfPlatform.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Lora;

/// <summary>
/// LoRA on a whole model: attach adapters to the target projections and freeze the base, list what trains,
/// switch adapters off (the reference policy is the base itself, no second copy), merge them into the base.
/// </summary>
public static class LoraModel
{
    sealed record State(LoraOptions Options, IReadOnlyList<string> ModulesToSave, IReadOnlyList<string> FrozenByAttach);

    static readonly ConditionalWeakTable<nn.Module, State> States = new();

    /// <summary>
    /// Freezes every base parameter except those of the modules that train fully (the model's own, see
    /// <see cref="IAdaptableModel"/>, plus <see cref="LoraOptions.ModulesToSave"/>) and attaches a fresh adapter
    /// to every target projection. <paramref name="seed"/> draws the A matrices from their own generator
    /// (otherwise torch's global one).
    /// </summary>
    public static LoraOptions Attach(nn.Module model, LoraOptions options, long? seed = null)
    {
        options.Validate();
        if (HasAdapters(model)) throw new InvalidOperationException("the model already has LoRA adapters (merge or detach them first)");
        var modulesToSave = ModulesToSave(model, options);
        var trainedFully = TrainedFullyPrefixes(model, modulesToSave);
        var targets = Targets(model, options.TargetModules);
        if (targets.Count == 0) throw new ArgumentException($"the model has no projection named {string.Join(", ", options.TargetModules)}");

        var frozen = new List<string>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            bool full = trainedFully.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
            if (full) parameter.requires_grad = true;
            else if (parameter.requires_grad)
            {
                parameter.requires_grad = false;
                frozen.Add(name);
            }
        }
        var device = targets[0].Projection.Weight.device;
        using var generator = seed is { } s ? new Generator((ulong)s, device) : null;
        foreach (var (_, projection) in targets) projection.Attach(options.Rank, options.Scale, options.Dropout, generator);
        States.AddOrUpdate(model, new State(options, modulesToSave, frozen));
        return options;
    }

    public static bool HasAdapters(nn.Module model) => Adapted(model).Any();

    /// <summary>The options the adapters were attached with; null when the model has none.</summary>
    public static LoraOptions? OptionsOf(nn.Module model) =>
        HasAdapters(model) && States.TryGetValue(model, out var state) ? state.Options : null;

    /// <summary>Module names that train fully and are saved with the adapter (PEFT's modules_to_save).</summary>
    public static IReadOnlyList<string> ModulesToSaveOf(nn.Module model) =>
        States.TryGetValue(model, out var state) ? state.ModulesToSave : [];

    /// <summary>Every parameter that requires a gradient, named: the adapters' A and B and the fully trained modules.</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();

    /// <summary>
    /// Turns every adapter of the model off until disposed (then back to what it was). Fully trained modules
    /// (a reward model's score head) are not copies of a base module, so they stay as trained.
    /// </summary>
    public static IDisposable Disabled(nn.Module model) => new AdaptersOff(Adapted(model).Select(a => a.Projection).ToList());

    /// <summary>
    /// Folds W += scale·B·A into every adapted projection, removes the adapters and makes trainable again
    /// what <see cref="Attach"/> froze: the model is then a plain one whose state_dict saves as an HF folder.
    /// </summary>
    public static void Merge(nn.Module model)
    {
        foreach (var (_, projection) in Adapted(model)) projection.MergeAndDetach();
        Release(model);
    }

    /// <summary>Removes the adapters without merging them (the base as it was before Attach).</summary>
    public static void Detach(nn.Module model)
    {
        foreach (var (_, projection) in Adapted(model)) projection.Detach();
        Release(model);
    }

    /// <summary>Adapted projections by module path ("model.layers.0.self_attn.q_proj").</summary>
    public static IReadOnlyList<(string Path, Projection Projection)> Adapted(nn.Module model) =>
        model.named_modules().Where(m => m.module is Projection { Adapter: not null }).Select(m => (m.name, (Projection)m.module)).ToList();

    static void Release(nn.Module model)
    {
        if (!States.TryGetValue(model, out var state)) return;
        var frozen = state.FrozenByAttach.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
            if (frozen.Contains(name)) parameter.requires_grad = true;
        States.Remove(model);
    }

    internal static List<(string Path, Projection Projection)> Targets(nn.Module model, IReadOnlyList<string> targetModules) =>
        model.named_modules()
            .Where(m => m.module is Projection && targetModules.Contains(m.name[(m.name.LastIndexOf('.') + 1)..]))
            .Select(m => (m.name, (Projection)m.module)).ToList();

    internal static IReadOnlyList<string> ModulesToSave(nn.Module model, LoraOptions options)
    {
        var own = model is IAdaptableModel adaptable ? adaptable.FullyTrainedUnderLora : [];
        return own.Concat(options.ModulesToSave).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>"score." for "score": PEFT matches a modules_to_save name against the end of module paths.</summary>
    internal static List<string> TrainedFullyPrefixes(nn.Module model, IReadOnlyList<string> modulesToSave)
    {
        var paths = model.named_modules().Select(m => m.name).Where(n => n.Length > 0).ToList();
        var prefixes = new List<string>();
        foreach (string wanted in modulesToSave)
        {
            var matches = paths.Where(p => p == wanted || p.EndsWith("." + wanted, StringComparison.Ordinal)).ToList();
            if (matches.Count == 0) throw new ArgumentException($"module to save '{wanted}' is not a module of the model");
            prefixes.AddRange(matches.Select(p => p + "."));
        }
        return prefixes;
    }

    sealed class AdaptersOff : IDisposable
    {
        readonly List<(Projection Projection, bool WasEnabled)> previous;

        public AdaptersOff(List<Projection> projections)
        {
            previous = projections.Select(p => (p, p.AdapterEnabled)).ToList();
            foreach (var p in projections) p.AdapterEnabled = false;
        }

        public void Dispose()
        {
            foreach (var (projection, wasEnabled) in previous) projection.AdapterEnabled = wasEnabled;
        }
    }
}
