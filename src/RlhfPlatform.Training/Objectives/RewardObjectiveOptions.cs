namespace RlhfPlatform.Training.Objectives;

/// <summary>Every objective's hyperparameters, with the papers' defaults (METHODS.md). Only the chosen method's apply.</summary>
public sealed record RewardObjectiveOptions
{
    public string Method { get; init; } = BradleyTerry.MethodName;
    /// <summary>`margin`: a constant m for every pair; null uses each pair's data margin.</summary>
    public double? Margin { get; init; }
    public double LabelSmoothing { get; init; } = Objectives.LabelSmoothing.DefaultEpsilon;
    public int EnsembleMembers { get; init; } = Ensemble.DefaultMembers;
    public string EnsembleAggregate { get; init; } = Objectives.EnsembleAggregate.Mean;
    public double BsrLambda { get; init; } = BatchSumToZero.DefaultLambda;
    public double CenterCoefficient { get; init; } = CenterRewards.DefaultCoefficient;
    public double GrmAlpha { get; init; } = GrmMixing.DefaultAlpha;
    public double GrmBeta { get; init; } = GrmMixing.DefaultBeta;
    /// <summary>`grm-sft`: false selects the no-logsigmoid form -logπ(y_c|x).</summary>
    public bool GrmSftLogSigmoid { get; init; } = true;
}

/// <summary>Method name → objective.</summary>
public static class RewardObjectives
{
    public static readonly IReadOnlyList<string> Methods =
    [
        BradleyTerry.MethodName, MarginBradleyTerry.MethodName, LabelSmoothing.MethodName, FrozenBackbone.MethodName,
        Ensemble.MethodName, BatchSumToZero.MethodName, CenterRewards.MethodName, GrmSft.MethodName,
        GrmDpo.MethodName, GrmDpoNoRef.MethodName,
    ];

    public static IRewardObjective Create(RewardObjectiveOptions options)
    {
        if (options.LabelSmoothing is < 0 or >= 0.5) throw new ArgumentException($"label smoothing ε must be in [0, 0.5) (got {options.LabelSmoothing})");
        if (options.GrmAlpha is < 0 or > 1) throw new ArgumentException($"GRM α must be in [0, 1] (got {options.GrmAlpha})");
        if (options.GrmBeta <= 0) throw new ArgumentException($"GRM β must be positive (got {options.GrmBeta})");
        if (options.BsrLambda < 0 || options.CenterCoefficient < 0) throw new ArgumentException("regularization coefficients must be non-negative");
        return options.Method switch
        {
            BradleyTerry.MethodName => new BradleyTerry(),
            MarginBradleyTerry.MethodName => new MarginBradleyTerry(options.Margin),
            LabelSmoothing.MethodName => new LabelSmoothing(options.LabelSmoothing),
            FrozenBackbone.MethodName => new FrozenBackbone(),
            Ensemble.MethodName => new Ensemble(options.EnsembleMembers, options.EnsembleAggregate),
            BatchSumToZero.MethodName => new BatchSumToZero(options.BsrLambda),
            CenterRewards.MethodName => new CenterRewards(options.CenterCoefficient),
            GrmSft.MethodName => new GrmSft(options.GrmAlpha, options.GrmBeta, options.GrmSftLogSigmoid),
            GrmDpo.MethodName => new GrmDpo(options.GrmAlpha, options.GrmBeta),
            GrmDpoNoRef.MethodName => new GrmDpoNoRef(options.GrmAlpha, options.GrmBeta),
            _ => throw new ArgumentException($"unknown reward objective '{options.Method}' (one of: {string.Join(", ", Methods)})"),
        };
    }
}
