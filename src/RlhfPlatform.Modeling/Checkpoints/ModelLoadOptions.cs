using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>Where and in what precision a loaded model lives: fp32 on the CPU unless configured (bf16 on a GPU, say).</summary>
public sealed record ModelLoadOptions
{
    public static readonly ModelLoadOptions Default = new();

    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    /// <summary>A torch device string: "cpu", "cuda", "cuda:1".</summary>
    public string Device { get; init; } = "cpu";

    public ModelLoadOptions Validate()
    {
        if (Dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64))
            throw new ArgumentException($"model dtype must be float32, float16, bfloat16 or float64 (got {Dtype})");
        try
        {
            _ = new Device(Device);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"unknown device '{Device}' (use cpu, cuda or cuda:N)");
        }
        return this;
    }

    /// <summary>"float32", "fp16", "bf16", ... → dtype.</summary>
    public static ScalarType ParseDtype(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "float16" or "fp16" or "f16" or "half" => ScalarType.Float16,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float64" or "fp64" or "f64" => ScalarType.Float64,
        _ => throw new ArgumentException($"unknown dtype '{name}' (use float32, float16 or bfloat16)"),
    };

    public static string DtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => "float32",
    };
}
