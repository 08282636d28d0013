namespace RlhfPlatform.Modeling.Lora;

/// <summary>
/// A LoRA adapter's shape (PEFT's LoraConfig fields of the same meaning). The default targets all seven
/// projections of a Llama-family block (PEFT's "all-linear" minus the LM head, and GRM's r = 32 setup);
/// r = 8, alpha = 8, dropout 0 are PEFT's own defaults. Scale is alpha / r, or alpha / √r with rsLoRA.
/// </summary>
public sealed record LoraOptions
{
    /// <summary>The projections an adapter can target, in block order.</summary>
    public static readonly IReadOnlyList<string> AllTargetModules =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 8;
    public double Dropout { get; init; }
    public IReadOnlyList<string> TargetModules { get; init; } = AllTargetModules;

    /// <summary>Rank-stabilized LoRA (PEFT's use_rslora): scale alpha / √r instead of alpha / r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>Modules, besides the model's own (a reward model's "score"), whose every parameter trains and is saved with the adapter.</summary>
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];

    public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>Raises ArgumentException naming every bad value.</summary>
    public LoraOptions Validate()
    {
        var problems = new List<string>();
        if (Rank < 1) problems.Add($"rank (r) must be at least 1 (got {Rank})");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) problems.Add($"alpha must be a positive number (got {Alpha})");
        if (!(Dropout >= 0 && Dropout < 1)) problems.Add($"dropout must be in [0, 1) (got {Dropout})");
        if (TargetModules.Count == 0) problems.Add($"target modules must name at least one of {string.Join(", ", AllTargetModules)}");
        var unknown = TargetModules.Where(m => !AllTargetModules.Contains(m)).ToList();
        if (unknown.Count > 0)
            problems.Add($"unknown target module{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(m => $"'{m}'"))} (allowed: {string.Join(", ", AllTargetModules)})");
        var repeated = TargetModules.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) problems.Add($"target modules named twice: {string.Join(", ", repeated)}");
        if (problems.Count > 0) throw new ArgumentException("invalid LoRA options: " + string.Join("; ", problems));
        return this;
    }
}
