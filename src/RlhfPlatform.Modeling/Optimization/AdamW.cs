using RlhfPlatform.Modeling.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Optimization;

/// <summary>
/// AdamW (Loshchilov and Hutter), the same update as torch.optim.AdamW without amsgrad, written with
/// kept-alive Scalars: TorchSharp's own makes about nine temporary Scalars per parameter per step,
/// any of which the GC may free while libtorch reads it. Per parameter p with gradient g at step t:
///   p ← p·(1 − lr·λ)
///   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
///   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
/// in that order of operations, so it matches torch's result bit for bit.
/// Mixed precision: a bfloat16 or float16 parameter gets an fp32 master copy. The update runs on the
/// master, with fp32 moments and the gradient widened to fp32, and the parameter is then set to the
/// master rounded to its own precision. Updates smaller than one bf16 ulp (about 0.4% of a weight) thus
/// add up instead of vanishing.
/// </summary>
public sealed class AdamW : IDisposable
{
    public const string StateFileName = "optimizer.safetensors";

    readonly Parameter[] parameters;
    readonly Tensor[] expAvg;
    readonly Tensor[] expAvgSq;
    readonly Tensor?[] master;
    readonly double beta1, beta2, eps, weightDecay;
    readonly Scalar beta1Scalar, beta2Scalar, oneMinusBeta1, oneMinusBeta2;

    public AdamW(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.0)
    {
        if (!(learningRate >= 0)) throw new ArgumentException($"AdamW learning rate must be ≥ 0 (got {learningRate})");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentException($"AdamW beta1 must be in [0, 1) (got {beta1})");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentException($"AdamW beta2 must be in [0, 1) (got {beta2})");
        if (!(eps >= 0)) throw new ArgumentException($"AdamW eps must be ≥ 0 (got {eps})");
        if (!(weightDecay >= 0)) throw new ArgumentException($"AdamW weight decay must be ≥ 0 (got {weightDecay})");
        this.parameters = parameters.ToArray();
        (LearningRate, this.beta1, this.beta2, this.eps, this.weightDecay) = (learningRate, beta1, beta2, eps, weightDecay);
        beta1Scalar = beta1.ToScalar();
        beta2Scalar = beta2.ToScalar();
        oneMinusBeta1 = (1.0 - beta1).ToScalar();
        oneMinusBeta2 = (1.0 - beta2).ToScalar();
        using var noGrad = no_grad();
        master = this.parameters.Select(p => IsLowPrecision(p.dtype) ? p.detach().to_type(ScalarType.Float32).DetachFromDisposeScope() : null).ToArray();
        expAvg = this.parameters.Select((p, i) => zeros_like(master[i] ?? p).DetachFromDisposeScope()).ToArray();
        expAvgSq = this.parameters.Select((p, i) => zeros_like(master[i] ?? p).DetachFromDisposeScope()).ToArray();
    }

    static bool IsLowPrecision(ScalarType dtype) => dtype is ScalarType.BFloat16 or ScalarType.Float16;

    /// <summary>How many parameters are updated through an fp32 master copy.</summary>
    public int MasterCopies => master.Count(m => m is not null);

    public double LearningRate { get; set; }

    /// <summary>Updates taken so far (torch keeps one count per parameter; every parameter here steps together).</summary>
    public long Steps { get; private set; }

    /// <summary>Zeroes every gradient in place (what TorchSharp's zero_grad does).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        Steps++;
        double biasCorrection1 = 1.0 - Math.Pow(beta1, Steps);
        double biasCorrection2 = 1.0 - Math.Pow(beta2, Steps);
        using var decay = (1.0 - LearningRate * weightDecay).ToScalar();
        using var sqrtBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
        using var epsScalar = eps.ToScalar();
        using var stepSize = (-(LearningRate / biasCorrection1)).ToScalar();
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Length; i++)
        {
            using var grad = parameters[i].grad;
            if (grad is null) continue;
            using var scope = NewDisposeScope();
            var p = master[i] ?? parameters[i];
            var g = master[i] is null ? grad : grad.to_type(ScalarType.Float32);
            p.mul_(decay);
            expAvg[i].mul_(beta1Scalar).add_(g, oneMinusBeta1);
            expAvgSq[i].mul_(beta2Scalar).addcmul_(g, g, oneMinusBeta2);
            var denominator = expAvgSq[i].sqrt().div_(sqrtBiasCorrection2).add_(epsScalar, TorchScalars.One);
            p.addcdiv_(expAvg[i], denominator, stepSize);
            if (master[i] is { } fp32) parameters[i].copy_(fp32);
        }
    }

    /// <summary>Writes the moments, the fp32 master copies and the step count (safetensors: exp_avg.{i}, exp_avg_sq.{i}, master.{i}; metadata: steps, parameter count).</summary>
    public void Save(string path)
    {
        var tensors = new List<(string, Tensor)>();
        for (int i = 0; i < parameters.Length; i++)
        {
            tensors.Add(($"exp_avg.{i}", expAvg[i]));
            tensors.Add(($"exp_avg_sq.{i}", expAvgSq[i]));
            if (master[i] is { } fp32) tensors.Add(($"master.{i}", fp32));
        }
        SafeTensors.Write(path, tensors, new Dictionary<string, string>
        {
            ["steps"] = Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["parameters"] = parameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Restores what <see cref="Save"/> wrote; refuses a file made for other parameters.</summary>
    public void Load(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("steps", out string? steps) || !long.TryParse(steps, out long stepCount) || stepCount < 0)
            throw new InvalidDataException($"{path}: not an AdamW state file (no valid 'steps' metadata)");
        if (!file.Metadata.TryGetValue("parameters", out string? count) || count != parameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: AdamW state for {count ?? "?"} parameters, this optimizer has {parameters.Length}");
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Length; i++)
        {
            Copy(file, $"exp_avg.{i}", expAvg[i], path);
            Copy(file, $"exp_avg_sq.{i}", expAvgSq[i], path);
            if (master[i] is not { } fp32) continue;
            // Without its master copy the state resumes from the rounded parameter: close, not exact.
            if (file.Entries.ContainsKey($"master.{i}")) Copy(file, $"master.{i}", fp32, path);
            else fp32.copy_(parameters[i]);
        }
        Steps = stepCount;
    }

    static void Copy(SafeTensorsFile file, string name, Tensor into, string path)
    {
        if (!file.Entries.ContainsKey(name)) throw new InvalidDataException($"{path}: AdamW state has no '{name}'");
        using var value = file.Read(name);
        if (!value.shape.SequenceEqual(into.shape))
            throw new InvalidDataException($"{path}: '{name}' has shape [{string.Join(", ", value.shape)}], the parameter has [{string.Join(", ", into.shape)}]");
        into.copy_(value);
    }

    public void Dispose()
    {
        foreach (var t in expAvg.Concat(expAvgSq)) t.Dispose();
        foreach (var t in master) t?.Dispose();
        foreach (var s in new[] { beta1Scalar, beta2Scalar, oneMinusBeta1, oneMinusBeta2 }) s.Dispose();
    }
}
